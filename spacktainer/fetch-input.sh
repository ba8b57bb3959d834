#!/bin/sh
# Fetches one `spacktainer.fetch` input of a container build into its build context and
# verifies its sha256 before anything else sees it:
#
#   sh spacktainer/fetch-input.sh URL SHA256 DESTINATION
#
# URL is s3://bucket/key, read from $SPACKTAINERS_INPUTS_ENDPOINT (path-style, AWS
# signature v4 for $SPACKTAINERS_INPUTS_REGION) with the key pair of
# $SPACKTAINERS_INPUTS_KEY_ID and $SPACKTAINERS_INPUTS_SECRET_KEY, or https://…, read as is.
# The key pair reaches curl on its standard input, never on a command line or in the log.
# Exit 1, naming the file, when the download fails or the checksum differs; the file is
# then not left in the context.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: sh spacktainer/fetch-input.sh URL SHA256 DESTINATION" >&2
  exit 2
fi
url=$1
expected=$2
destination=$3
partial="$destination.partial"
mkdir -p -- "$(dirname -- "$destination")"
rm -f -- "$partial"

fail() {
  rm -f -- "$partial"
  echo "error: input $url for $destination: $1" >&2
  exit 1
}

# Retries what a busy store answers (429, 5xx, resets); a 403 or 404 fails at once.
set -- --silent --show-error --fail --location --retry 5 --retry-delay 2 \
  --connect-timeout 30 --max-time 3600 --output "$partial"

case $url in
s3://*)
  : "${SPACKTAINERS_INPUTS_ENDPOINT:?is not set: the job names the inputs endpoint}"
  : "${SPACKTAINERS_INPUTS_KEY_ID:?is empty: set the CI variable the configuration names in inputs.credentials}"
  : "${SPACKTAINERS_INPUTS_SECRET_KEY:?is empty: set the CI variable the configuration names in inputs.credentials}"
  region=${SPACKTAINERS_INPUTS_REGION:-us-east-1}
  endpoint=${SPACKTAINERS_INPUTS_ENDPOINT%/}
  # S3 wants the payload hash of the request signed: a GET's is the empty body's.
  empty_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  escaped_id=$(printf '%s' "$SPACKTAINERS_INPUTS_KEY_ID" | sed 's/[\\"]/\\&/g')
  escaped_secret=$(printf '%s' "$SPACKTAINERS_INPUTS_SECRET_KEY" | sed 's/[\\"]/\\&/g')
  printf 'user = "%s:%s"\n' "$escaped_id" "$escaped_secret" |
    curl "$@" --config - --aws-sigv4 "aws:amz:$region:s3" \
      --header "x-amz-content-sha256: $empty_sha256" "$endpoint/${url#s3://}" ||
    fail "download failed (curl exit $?): check the key exists and the credentials may read it"
  ;;
https://*)
  curl "$@" --proto =https --proto-redir =https "$url" ||
    fail "download failed (curl exit $?)"
  ;;
*)
  fail "only s3:// and https:// URLs are fetched"
  ;;
esac

actual=$(sha256sum -- "$partial" | cut -d ' ' -f 1)
[ "$actual" = "$expected" ] ||
  fail "sha256 mismatch: expected $expected, got $actual (the file changed: check it, then update sha256 in the definition)"
mv -f -- "$partial" "$destination"
echo "fetched $url ($actual)"
