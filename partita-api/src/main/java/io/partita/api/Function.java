package io.partita.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a {@link JobFunction} implementation. Job specs refer to functions by this name (for
 * example {@code "examples/pi"}). The name is read from the class without instantiating it, so a
 * coordinator can list the functions on its classpath without running any user code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Function {
    /** The function's name: lower-case segments separated by {@code /}, e.g. {@code examples/pi}. */
    String value();
}
