const functionSource = Function.prototype.toString;

/**
 * Whether a handler is a class (to be built by the container) rather than a
 * function (to be called). A class is told by its source, which starts with
 * the `class` keyword, so a class without an `execute` method is still
 * recognized, and refused, instead of being called as a function. A function
 * whose prototype has an `execute` method also counts: that is how a class
 * compiled to ES5 looks.
 *
 * @example
 * isHandlerClass(class { execute() {} });   // true
 * isHandlerClass(class { execute = () => 1 }); // true (and refused at registration: no execute method)
 * isHandlerClass((payload) => payload);        // false
 */
export function isHandlerClass(handler: object): boolean {
  if (typeof handler !== 'function') return false;
  if (/^class\b/.test(functionSource.call(handler))) return true;
  return typeof (handler as { prototype?: { execute?: unknown } }).prototype?.execute === 'function';
}
