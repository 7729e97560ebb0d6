export * from "./scan/index.js";
