package io.partita.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether standard output is an interactive terminal (for progress bars redrawn with \r). */
final class Terminal {
    private Terminal() {}

    /**
     * True when {@link System#console()} exists and, on JDK 22 and later, also reports {@code
     * isTerminal()} (there a console may exist while the streams are redirected).
     */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method m = Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a console exists only for a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
