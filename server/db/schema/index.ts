// Every table, one file per noun. Helpers append their noun's export here.
export * from "./auth";
export * from "./missions";
export * from "./runs";
export * from "./engine";
export * from "./models";
export * from "./connectors";
export * from "./decisions";
export * from "./audit";
export * from "./notifications";
export * from "./knowledge";
export * from "./portal";
export * from "./governance";
export * from "./triggers";
export * from "./mcp";
export * from "./test-cases";
export * from "./model-comparisons";
