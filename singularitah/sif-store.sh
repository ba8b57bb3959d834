#!/bin/sh
# Puts SIF files into the containers bucket without ever leaving a half-written or missing
# file behind, and fetches them for deployment. Runs in the singularitah image (s3cmd).
#
#   sif-store.sh publish FILE s3://BUCKET/KEY.sif ARCHIVE_MAX_AGE_DAYS [NAME=VALUE ...]
#       1. uploads FILE to a temporary key beside KEY, with NAME=VALUE as user metadata;
#       2. moves the current KEY (if any) to <dir>/archive/<name>.<UTC time>.sif;
#       3. moves the upload to KEY; if that fails, the archived file is moved back;
#       4. deletes archives of this file older than ARCHIVE_MAX_AGE_DAYS, except the newest
#          ARCHIVE_KEEP (environment, default 0).
#       If the upload fails, nothing in the bucket has changed.
#   sif-store.sh fetch s3://BUCKET/KEY.sif DEST
#       downloads to DEST.partial, then renames it to DEST.
#
# Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment (s3cmd
# reads them there): no configuration file holds them and nothing prints them.
# S3_ENDPOINT_URL (e.g. https://s3.example.org:9000) selects an S3-compatible store,
# AWS_REGION the bucket's region; HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured.
set -eu

die() {
  echo "sif-store: $*" >&2
  exit 1
}

# True when NO_PROXY (or no_proxy) names HOST, as curl reads it: `*`, a host, or a domain
# (`example.org`, `.example.org` and `*.example.org` all match example.org and its subdomains).
bypasses_proxy() {
  list=${no_proxy:-${NO_PROXY:-}}
  [ "$list" != "*" ] || return 0
  set -f # the entries are no file patterns
  old_ifs=$IFS
  IFS=', '
  matched=1
  for entry in $list; do
    entry=${entry%:[0-9]*}
    entry=${entry#\*}
    entry=${entry#.}
    [ -n "$entry" ] || continue
    case "$1" in
      "$entry" | *".$entry") matched=0 ;;
    esac
  done
  IFS=$old_ifs
  set +f
  return "$matched"
}

# s3cmd reads no proxy variables, only its configuration file: the proxy that HTTP(S)_PROXY /
# ALL_PROXY (either case) and NO_PROXY give for the store's host goes into one of our own,
# which holds the proxy and nothing else (the key pair stays in the environment).
write_proxy_config() {
  endpoint=${S3_ENDPOINT_URL:-https://s3.amazonaws.com}
  case "$endpoint" in
    http://*) proxy=${http_proxy:-${HTTP_PROXY:-}} ;;
    *) proxy=${https_proxy:-${HTTPS_PROXY:-}} ;;
  esac
  proxy=${proxy:-${all_proxy:-${ALL_PROXY:-}}}
  host=${endpoint#*://}
  host=${host%%/*}
  [ -n "$proxy" ] && ! bypasses_proxy "${host%:*}" || return 0
  address=${proxy#*://}
  address=${address%%/*}
  case "$address" in
    *@*) die "the proxy for $host asks for a user and password, which s3cmd cannot send: allow the store in NO_PROXY or use a proxy without login" ;;
  esac
  proxy_host=${address%:*}
  proxy_port=${address##*:}
  [ "$proxy_host" != "$address" ] || proxy_port=3128
  case "$proxy_port" in '' | *[!0-9]*) die "cannot read the proxy address '$address' (host:port)" ;; esac
  s3cmd_config=$(mktemp)
  trap 'rm -f "$s3cmd_config"' EXIT
  printf '[default]\nproxy_host = %s\nproxy_port = %s\n' "$proxy_host" "$proxy_port" >"$s3cmd_config"
}

s3cmd_config=/dev/null
write_proxy_config

s3() {
  # --config: settings come from the command line, the environment and the proxy only.
  # --acl-private: keep objects private, and skip the ACL read s3cmd does before copying.
  # --region: the bucket's region signs the requests (AWS_REGION, else s3cmd's us-east-1).
  if [ -n "${S3_ENDPOINT_URL:-}" ]; then
    endpoint_host=${S3_ENDPOINT_URL#*://}
    endpoint_host=${endpoint_host%%/*}
    case "$S3_ENDPOINT_URL" in
      http://*) ssl=--no-ssl ;;
      *) ssl=--ssl ;;
    esac
    set -- "$ssl" --host="$endpoint_host" --host-bucket="$endpoint_host" "$@"
  fi
  region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  s3cmd --config="$s3cmd_config" --acl-private --no-progress ${region:+"--region=$region"} "$@"
}

# True when the exact key exists (s3cmd ls lists every key starting with the argument).
exists() {
  s3 ls "$1" | awk -v url="$1" '$4 == url { found = 1 } END { exit !found }'
}

publish() {
  [ $# -ge 3 ] || die "usage: sif-store.sh publish FILE s3://BUCKET/KEY.sif ARCHIVE_MAX_AGE_DAYS [NAME=VALUE ...]"
  file=$1 url=$2 max_age=$3
  shift 3
  [ -f "$file" ] || die "$file does not exist: the SIF build did not produce it"
  case "$url" in s3://*/*.sif) ;; *) die "$url is not s3://BUCKET/KEY.sif" ;; esac
  case "$max_age" in '' | *[!0-9]*) die "ARCHIVE_MAX_AGE_DAYS must be a whole number, got '$max_age'" ;; esac
  keep=${ARCHIVE_KEEP:-0}
  case "$keep" in '' | *[!0-9]*) die "ARCHIVE_KEEP must be a whole number, got '$keep'" ;; esac

  dir=${url%/*}
  name=${url##*/}
  stem=${name%.sif}
  temporary="$dir/.incoming/$name.${CI_JOB_ID:-$$}"
  archive="$dir/archive/$stem.$(date -u +%Y%m%dT%H%M%SZ).sif"

  # Turn each NAME=VALUE into an s3cmd header in place (the for list is read once).
  for pair in "$@"; do
    case "$pair" in
      [a-z]*=?*) ;;
      *) die "metadata must be name=value (lower case name), got '$pair'" ;;
    esac
    set -- "$@" "--add-header=x-amz-meta-${pair%%=*}:${pair#*=}"
    shift
  done
  # The file's own sha256, so that `jc images` (and whoever fetches it) can tell which file it is.
  sha256=$(sha256sum "$file" | cut -d ' ' -f 1)
  set -- "$@" "--add-header=x-amz-meta-sha256:$sha256"

  if ! s3 put "$@" "$file" "$temporary" >/dev/null; then
    s3 del "$temporary" >/dev/null 2>&1 || true
    die "upload of $file failed: $url is unchanged"
  fi
  archived=
  if exists "$url"; then
    if ! s3 mv "$url" "$archive" >/dev/null; then
      s3 del "$temporary" >/dev/null 2>&1 || true
      die "cannot move the current $url aside: it is unchanged"
    fi
    archived=yes
  fi
  if ! s3 mv "$temporary" "$url" >/dev/null; then
    if [ -n "$archived" ]; then s3 mv "$archive" "$url" >/dev/null || true; fi
    s3 del "$temporary" >/dev/null 2>&1 || true
    die "cannot put the new file in place: $url was restored"
  fi
  echo "published $url${archived:+ (previous file kept as $archive)}"

  # The newest ARCHIVE_KEEP archives stay whatever their age; older ones than max_age go.
  # Only this file's archives: `<stem>.<stamp>.sif`, not those of `<stem>.1` beside it.
  # Times as YYYYMMDDHHMM numbers: POSIX test compares numbers, not strings.
  cutoff=$(date -u -d "$max_age days ago" +%Y%m%d%H%M)
  stamp_glob='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'
  s3 ls "$dir/archive/$stem." | sort -r -k4 | {
    newer=0
    while read -r day time _size old; do
      # shellcheck disable=SC2254 # the stamp is a pattern on purpose
      case "$old" in "$dir/archive/$stem."$stamp_glob.sif) ;; *) continue ;; esac
      newer=$((newer + 1))
      [ "$newer" -gt "$keep" ] || continue
      stamp=$(printf '%s%s' "$day" "$time" | tr -d -- '-:')
      if [ "$stamp" -lt "$cutoff" ]; then
        s3 del "$old" >/dev/null && echo "removed $old (archived more than $max_age days ago, not one of the newest $keep)"
      fi
    done
  }
}

fetch() {
  [ $# -eq 2 ] || die "usage: sif-store.sh fetch s3://BUCKET/KEY.sif DEST"
  url=$1 dest=$2
  mkdir -p "$(dirname "$dest")"
  s3 get --force "$url" "$dest.partial" >/dev/null || {
    rm -f "$dest.partial"
    die "cannot download $url"
  }
  mv -f "$dest.partial" "$dest"
  echo "copied $url to $dest"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  publish) publish "$@" ;;
  fetch) fetch "$@" ;;
  *) die "usage: sif-store.sh publish FILE s3://BUCKET/KEY.sif DAYS [NAME=VALUE ...] | fetch s3://BUCKET/KEY.sif DEST" ;;
esac
