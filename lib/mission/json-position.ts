/**
 * Where JSON text stops being valid. JSON.parse says why but, depending on the JS engine, not
 * where; this scanner finds the offset so an import error can name the line and column. It runs
 * only after JSON.parse failed, and is iterative so deep nesting cannot overflow the stack.
 */

export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
  /** What the scanner expected there, e.g. `a value` or `"," or "}"`. */
  expected: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const n = text.length;
  const stack: ("{" | "[")[] = [];
  let i = 0;
  const fail = (expected: string): JsonErrorLocation => ({ offset: i, ...lineColumn(text, i), expected });
  const skipWhitespace = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  /** Consumes a string at i; false when it is malformed (i then points at the fault). */
  const readString = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (next !== undefined && ESCAPES.has(next)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };

  let expectValue = true;
  for (;;) {
    skipWhitespace();
    if (expectValue) {
      const c = text[i];
      if (c === "{" || c === "[") {
        stack.push(c);
        i++;
        skipWhitespace();
        if (text[i] === (c === "{" ? "}" : "]")) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === "{") {
          if (!readString()) return fail("a property name in double quotes");
          skipWhitespace();
          if (text[i] !== ":") return fail('":"');
          i++;
        }
        continue;
      }
      if (c === '"') {
        if (!readString()) return fail("a complete string");
      } else if (c === "t" || c === "f" || c === "n") {
        const word = c === "t" ? "true" : c === "f" ? "false" : "null";
        if (!text.startsWith(word, i)) return fail("a value");
        i += word.length;
      } else {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (!m) return fail("a value");
        i += m[0].length;
      }
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < n ? fail("the end of the document") : undefined;
    const close = top === "{" ? "}" : "]";
    if (text[i] === close) {
      stack.pop();
      i++;
      continue;
    }
    if (text[i] !== ",") return fail(`"," or "${close}"`);
    i++;
    if (top === "{") {
      skipWhitespace();
      if (!readString()) return fail("a property name in double quotes");
      skipWhitespace();
      if (text[i] !== ":") return fail('":"');
      i++;
    }
    expectValue = true;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}
