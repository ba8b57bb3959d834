// proxy-from-env ships no types: its one export, as its README documents it.
declare module "proxy-from-env" {
  /** The proxy URL the *_PROXY and NO_PROXY variables give for a URL; "" to go direct. */
  export function getProxyForUrl(url: string | URL): string;
}
