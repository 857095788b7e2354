// Types for the ES module build of fast-json-patch, which patch.ts imports directly.
declare module 'fast-json-patch/index.mjs' {
  export * from 'fast-json-patch';
}
