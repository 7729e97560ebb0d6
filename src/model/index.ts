export * from "./bom/index.js";
export * from "./registry/index.js";
export * from "./scan/index.js";
export * from "./signing/index.js";
