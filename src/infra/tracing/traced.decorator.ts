import { SpanAttributes, withTrace } from './trace-context';

type AnyMethod = (this: unknown, ...args: never[]) => unknown;

/**
 * Runs the decorated method (sync or async) inside `withTrace`. The span is named `name`, or
 * `ClassName.method` by default. Errors propagate unchanged.
 *
 * Metadata set on the method by other decorators (Nest route, guard, @OnEvent, @Cron metadata) is copied to the
 * wrapper, so the decorator order relative to them does not matter.
 */
export function Traced(name?: string, attrs?: SpanAttributes) {
  return <M extends AnyMethod>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M> => {
    const original = descriptor.value;
    if (typeof original !== 'function') {
      throw new TypeError(`@Traced() decorates methods only (${String(propertyKey)})`);
    }
    // For a static method the target is the class itself, otherwise its prototype.
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    const spanName = name ?? `${owner}.${String(propertyKey)}`;

    const wrapped = function (this: unknown, ...args: Parameters<M>): ReturnType<M> {
      return withTrace(spanName, () => original.apply(this, args) as ReturnType<M>, attrs);
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    copyMetadata(original, wrapped);
    return { ...descriptor, value: wrapped as unknown as M };
  };
}

function copyMetadata(from: object, to: object): void {
  // reflect-metadata is loaded by Nest; guard so the decorator also works in bare scripts without it.
  if (typeof Reflect.getMetadataKeys !== 'function') return;
  for (const key of Reflect.getMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, from), to);
  }
}
