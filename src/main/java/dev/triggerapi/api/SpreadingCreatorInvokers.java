package dev.triggerapi.api;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;

import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.SettableBeanProperty;
import tools.jackson.databind.deser.ValueInstantiators;
import tools.jackson.databind.deser.bean.PropertyValueBuffer;
import tools.jackson.databind.introspect.AnnotatedConstructor;
import tools.jackson.databind.introspect.AnnotatedWithParams;

/**
 * Calls the constructor that builds a JSON-bound record from its properties (Jackson's "properties-based creator",
 * e.g. {@code TriggerOptions}' 19 components) through a {@link MethodHandle} spread once, instead of Jackson's
 * {@code MethodHandle.invokeWithArguments}, which on Java 17 builds a new spreader on every call: 3.5 % of a
 * trigger's request-thread CPU for two records (BENCHMARKS.md, issue 22).
 *
 * <p>Only the successful call takes the fast path: when the constructor throws, the same arguments go through
 * Jackson's own instantiator, so a record's validation error reaches the client exactly as before (records'
 * constructors have no side effects, so calling one twice is harmless).
 */
final class SpreadingCreatorInvokers implements ValueInstantiators {

    /** Below this, Jackson's calls are cheap already (nullary and unary creators have their own exact handles). */
    private static final int MIN_ARGUMENTS = 2;

    @Override
    public ValueInstantiator findValueInstantiator(DeserializationConfig config, BeanDescription.Supplier beanDesc) {
        return null;
    }

    @Override
    public ValueInstantiator modifyValueInstantiator(DeserializationConfig config, BeanDescription.Supplier beanDesc,
                                                     ValueInstantiator defaultInstantiator) {
        return spreading(defaultInstantiator);
    }

    static ValueInstantiator spreading(ValueInstantiator instantiator) {
        if (instantiator instanceof Spreading || !instantiator.canCreateFromObjectWith()) {
            return instantiator;
        }
        AnnotatedWithParams creator = instantiator.getWithArgsCreator();
        if (!(creator instanceof AnnotatedConstructor constructor) || constructor.getParameterCount() < MIN_ARGUMENTS
                || !constructor.getDeclaringClass().isRecord()) {
            return instantiator;
        }
        try {
            Constructor<?> target = constructor.getAnnotated();
            MethodHandle spread = MethodHandles.lookup().unreflectConstructor(target)
                    .asType(MethodType.genericMethodType(target.getParameterCount()))
                    .asSpreader(Object[].class, target.getParameterCount());
            return new Spreading(instantiator, spread, target.getParameterCount());
        } catch (IllegalAccessException | RuntimeException e) {
            return instantiator; // not accessible from here: Jackson's own call path
        }
    }

    /** Jackson's instantiator with the properties-based call replaced. */
    static final class Spreading extends ValueInstantiator.Delegating {

        private static final long serialVersionUID = 1L;

        /** The constructor as {@code (Object[]) -> Object}. */
        private final transient MethodHandle spread;
        private final int arity;

        Spreading(ValueInstantiator delegate, MethodHandle spread, int arity) {
            super(delegate);
            this.spread = spread;
            this.arity = arity;
        }

        @Override
        public ValueInstantiator createContextual(DeserializationContext ctxt, BeanDescription.Supplier beanDesc) {
            ValueInstantiator contextual = delegate().createContextual(ctxt, beanDesc);
            return contextual == delegate() ? this : spreading(contextual);
        }

        @Override
        public Object createFromObjectWith(DeserializationContext ctxt, SettableBeanProperty[] props,
                                           PropertyValueBuffer buffer) {
            // ValueInstantiator's own default; Delegating would hand it to the delegate, past the spreader.
            return createFromObjectWith(ctxt, buffer.getParameters(ctxt, props));
        }

        @Override
        public Object createFromObjectWith(DeserializationContext ctxt, Object[] args) {
            if (spread != null && args.length == arity) {
                try {
                    return (Object) spread.invokeExact(args);
                } catch (Error e) {
                    throw e;
                } catch (Throwable e) {
                    // fall through: Jackson's call reports the constructor's failure its own way
                }
            }
            return delegate().createFromObjectWith(ctxt, args);
        }
    }
}
