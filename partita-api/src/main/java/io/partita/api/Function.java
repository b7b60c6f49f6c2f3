package io.partita.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a {@link JobFunction} or {@link CallFunction} implementation. Job specs refer to functions by this name (for
 * example {@code "examples/pi"}). The name is read from the class without instantiating it, so a
 * coordinator can list the functions on its classpath without running any user code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Function {
    /** The function's name: lower-case segments separated by {@code /}, e.g. {@code examples/pi}. */
    String value();

    /**
     * The version of the function's code. Results are cached under the function's name and version,
     * so a new version never reuses an older one's results. Empty (the default) means a hash of the
     * class file, which changes whenever the class is recompiled differently; declare a version to
     * keep cached results across builds that do not change what the function computes. Only the
     * class itself is hashed: a change in a helper class it calls needs a new declared version.
     */
    String version() default "";

    /**
     * Whether the function is pure: its result depends only on its arguments, so it may be cached
     * and identical calls in flight may share one execution. Applies to {@link CallFunction}s.
     */
    boolean pure() default true;
}
