const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Checks a decoded payload before any handler sees it: nesting no deeper
 * than `maxDepth` (deep structures make recursive validators and handlers
 * overflow their stack), and no key that could reach a prototype:
 * `__proto__` anywhere, or `constructor` holding a `prototype`, the shapes
 * merge and clone helpers turn into prototype pollution. Iterative, so a
 * hostile payload cannot overflow this check's own stack. Returns what is
 * wrong, or `undefined` when nothing is.
 *
 * @example
 * const problem = inspectPayload(JSON.parse(text), 32);
 * if (problem !== undefined) reject(problem);
 */
export function inspectPayload(payload: unknown, maxDepth: number): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const stack: { value: object; depth: number }[] = [{ value: payload, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (depth > maxDepth) return `payload is nested deeper than ${maxDepth} levels`;
    if (Array.isArray(value)) {
      for (const element of value) if (typeof element === 'object' && element !== null) stack.push({ value: element, depth: depth + 1 });
      continue;
    }
    if (hasOwn.call(value, '__proto__')) return 'payload must not contain a "__proto__" key';
    const record = value as Record<string, unknown>;
    if (hasOwn.call(value, 'constructor')) {
      const ctor = record['constructor'];
      if (typeof ctor === 'object' && ctor !== null && hasOwn.call(ctor, 'prototype')) return 'payload must not contain a "constructor.prototype" key';
    }
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}
