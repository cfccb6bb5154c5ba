// Every table, one file per noun. Helpers append their noun's export here.
export * from "./auth";
export * from "./missions";
export * from "./runs";
export * from "./engine";
