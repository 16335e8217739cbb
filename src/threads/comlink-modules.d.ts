// Comlink ships its ESM build without .d.mts files; these re-use the package's own typings so that
// every thread imports the one ESM instance (transfer handlers are registered per module instance).
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: unknown): Endpoint;
}
