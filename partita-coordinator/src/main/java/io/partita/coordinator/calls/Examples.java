package io.partita.coordinator.calls;

import io.partita.coordinator.jobs.CodeService;
import io.partita.store.Store;
import io.partita.store.StoredCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shipped examples that the coordinator sets up itself. */
public final class Examples {
    private static final Logger log = LoggerFactory.getLogger(Examples.class);

    /** Grid functions shipped as JavaScript modules: name and resource. */
    private static final String[][] FUNCTIONS = {{"examples/fib-js", "/io/partita/coordinator/examples/fib/fib.mjs"}};

    private Examples() {}

    /** Registers the shipped JavaScript grid functions (again, if their code changed). */
    public static void registerFunctions(CallFunctions functions, Store store) {
        for (String[] f : FUNCTIONS) {
            String source;
            try (InputStream in = Examples.class.getResourceAsStream(f[1])) {
                if (in == null) {
                    log.warn("The shipped function {} is missing ({})", f[0], f[1]);
                    continue;
                }
                source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                log.warn("Cannot read the shipped function {}: {}", f[0], e.getMessage());
                continue;
            }
            String hash = CodeService.sha256(source);
            if (functions.get(f[0]).map(d -> d.version().equals(hash)).orElse(false)) {
                continue;
            }
            if (functions.get(f[0]).map(d -> !d.js()).orElse(false)) {
                continue; // a Java function took the name
            }
            store.putCode(new StoredCode(hash, "js", source, System.currentTimeMillis()));
            functions.registerJs(f[0], hash, true, functions.defaultTimeout());
        }
    }
}
