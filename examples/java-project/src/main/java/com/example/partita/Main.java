package com.example.partita;

import io.partita.client.PartitaClient;
import java.net.URI;

/**
 * Calls {@code myproject/collatz-steps} through the grid and prints the answer.
 *
 * <pre>
 * java -cp 'target/my-functions-1.0.jar:target/lib/*' com.example.partita.Main http://localhost:8080 27
 * </pre>
 *
 * The token comes from {@code PARTITA_TOKEN} (for example {@code partita-data/admin-token}, or one
 * made with {@code ./partita token create --role submitter}).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        URI coordinator = URI.create(args.length > 0 ? args[0] : "http://localhost:8080");
        long n = args.length > 1 ? Long.parseLong(args[1]) : 27;
        PartitaClient.Builder builder = PartitaClient.builder(coordinator);
        String token = System.getenv("PARTITA_TOKEN");
        if (token != null && !token.isBlank()) {
            builder.token(token.strip());
        }
        try (PartitaClient client = builder.build()) {
            long steps = client.call(Long.class, "myproject/collatz-steps", n).get();
            System.out.println("collatz-steps(" + n + ") = " + steps);
        }
    }
}
