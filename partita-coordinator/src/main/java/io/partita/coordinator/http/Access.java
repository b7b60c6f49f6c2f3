package io.partita.coordinator.http;

import io.helidon.common.context.Context;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who may do what over HTTP (docs/security.md): one table of every route and the least role it
 * needs, and a filter that runs before every handler. The filter
 *
 * <ol>
 *   <li>refuses a request whose {@code Host} is not one of this coordinator's names with a 421
 *       ({@link HostCheck}, the DNS rebinding defence);
 *   <li>sets the security headers (nosniff, no referrer; for the dashboard a CSP with {@code
 *       frame-ancestors 'none'});
 *   <li>authenticates: {@code Authorization: Bearer TOKEN}, or on a {@code GET} (an {@code
 *       EventSource} or WebSocket of a browser, which cannot set headers) {@code ?access_token=};
 *       a bad token is a 401 and an audit row, whatever the route;
 *   <li>authorizes: no token where one is needed is a 401, a role below the route's is a 403;
 *   <li>refuses cross-site writes: a {@code POST}, {@code PUT} or {@code DELETE} under {@code /api}
 *       whose {@code Origin} is neither this server nor an allowed origin is a 403, and one whose
 *       body is of a type a page may send without asking (text/plain, a form, none) is a 415;
 *   <li>puts the principal in the request's context, where handlers find it with {@link
 *       #principal(ServerRequest)}.
 * </ol>
 *
 * Scoping by tenant (404 for what another tenant owns) is the handlers' part, through {@code
 * Ownership}. With authentication off ({@link CoordinatorConfig#auth()} false) every request acts
 * as {@link Principal#OPEN}, but the cross-site checks still apply. Thread-safe.
 */
public final class Access {
    /** The least a request needs to reach a route. */
    public enum Level {
        /** Anyone: pages, volunteer.js, capability URLs, code by hash, health. */
        PUBLIC,
        /** A viewer, submitter or admin of the tenant. */
        VIEWER,
        /** A submitter or admin. */
        SUBMITTER,
        /** An admin. */
        ADMIN
    }

    /** One row of the table: a method, a path template with {@code {name}} segments, a level. */
    public record Rule(String method, String path, Level level) {
        Pattern pattern() {
            return Pattern.compile(Pattern.quote(path)
                    .replaceAll("\\{[a-z]+\\}", "\\\\E[^/]+\\\\Q")
                    .replace("\\Q\\E", ""));
        }
    }

    /** Every route and the level it needs. A route registered without a row fails the start. */
    public static final List<Rule> RULES = List.of(
            // pages and what other sites embed
            new Rule("GET", "/", Level.PUBLIC),
            new Rule("GET", "/dashboard/{file}", Level.PUBLIC),
            new Rule("GET", "/join", Level.PUBLIC),
            new Rule("GET", "/join/{id}", Level.PUBLIC),
            new Rule("GET", "/volunteer.js", Level.PUBLIC),
            // the sandbox volunteer.js runs job code in (framed by any site, its own CSP), and what a
            // visitor is asked to run (docs/volunteers.md)
            new Rule("GET", "/sandbox.html", Level.PUBLIC),
            new Rule("GET", "/volunteer/manifest", Level.PUBLIC),
            new Rule("GET", "/data-engine.js", Level.PUBLIC),
            new Rule("GET", "/api/qr.png", Level.PUBLIC),
            // WebSocket paths: the endpoints check their own credentials (ConnectionGate)
            new Rule("GET", "/ws/worker", Level.PUBLIC),
            new Rule("GET", "/ws/client", Level.PUBLIC),
            // capability URLs of data tasks: the token in the path is the credential
            new Rule("GET", "/data/{token}/in/{i}", Level.PUBLIC),
            new Rule("PUT", "/data/{token}/out/{r}", Level.PUBLIC),
            new Rule("OPTIONS", "/data/{token}/{dir}/{n}", Level.PUBLIC),
            // public API
            new Rule("GET", "/api/health", Level.PUBLIC),
            new Rule("GET", "/api/openapi.json", Level.PUBLIC),
            new Rule("GET", "/api/examples", Level.PUBLIC),
            new Rule("GET", "/api/code/{hash}", Level.PUBLIC),
            // jobs and code
            new Rule("POST", "/api/jobs", Level.SUBMITTER),
            new Rule("GET", "/api/jobs", Level.VIEWER),
            new Rule("GET", "/api/jobs/{id}", Level.VIEWER),
            new Rule("DELETE", "/api/jobs/{id}", Level.SUBMITTER),
            new Rule("POST", "/api/jobs/{id}/rerun", Level.SUBMITTER),
            new Rule("GET", "/api/jobs/{id}/result", Level.VIEWER),
            new Rule("GET", "/api/jobs/{id}/result.png", Level.VIEWER),
            new Rule("GET", "/api/jobs/{id}/events", Level.VIEWER),
            new Rule("GET", "/api/jobs/{id}/map", Level.VIEWER),
            new Rule("GET", "/api/jobs/{id}/stream", Level.VIEWER),
            new Rule("GET", "/api/stream", Level.VIEWER),
            new Rule("POST", "/api/code", Level.SUBMITTER),
            new Rule("GET", "/api/workers", Level.VIEWER),
            // volunteers' records: public by design (hashed ids, no addresses); a volunteer's own
            // record is found by the secret key it posts (docs/verification.md)
            new Rule("GET", "/api/volunteers", Level.PUBLIC),
            new Rule("GET", "/api/volunteers/{id}", Level.PUBLIC),
            new Rule("POST", "/api/volunteers/me", Level.PUBLIC),
            new Rule("GET", "/metrics", Level.VIEWER),
            // calls and functions
            new Rule("POST", "/api/calls", Level.SUBMITTER),
            new Rule("GET", "/api/calls/{id}", Level.VIEWER),
            new Rule("DELETE", "/api/calls/{id}", Level.SUBMITTER),
            new Rule("GET", "/api/cache/stats", Level.VIEWER),
            new Rule("DELETE", "/api/cache", Level.ADMIN),
            new Rule("POST", "/api/functions", Level.SUBMITTER),
            new Rule("GET", "/api/functions", Level.VIEWER),
            // data
            new Rule("POST", "/api/datasets", Level.SUBMITTER),
            new Rule("GET", "/api/datasets", Level.VIEWER),
            new Rule("GET", "/api/datasets/{id}", Level.VIEWER),
            new Rule("DELETE", "/api/datasets/{id}", Level.SUBMITTER),
            new Rule("POST", "/api/mapreduce", Level.SUBMITTER),
            new Rule("GET", "/api/mapreduce", Level.VIEWER),
            new Rule("GET", "/api/mapreduce/{id}", Level.VIEWER),
            new Rule("DELETE", "/api/mapreduce/{id}", Level.SUBMITTER),
            new Rule("GET", "/api/mapreduce/{id}/output", Level.VIEWER),
            new Rule("POST", "/api/queries", Level.SUBMITTER),
            new Rule("GET", "/api/queries", Level.VIEWER),
            new Rule("GET", "/api/queries/{id}", Level.VIEWER),
            new Rule("DELETE", "/api/queries/{id}", Level.SUBMITTER),
            new Rule("GET", "/api/queries/{id}/output", Level.VIEWER),
            // administration
            new Rule("GET", "/api/tokens", Level.ADMIN),
            new Rule("POST", "/api/tokens", Level.ADMIN),
            new Rule("DELETE", "/api/tokens/{id}", Level.ADMIN),
            new Rule("GET", "/api/audit", Level.ADMIN),
            new Rule("GET", "/api/me", Level.VIEWER));

    /** What an unlisted path under {@code /api} (a 404) needs, so that probing it needs a token too. */
    private static final Rule API_FALLBACK = new Rule("ANY", "/api/*", Level.VIEWER);

    private static final Rule OTHER_FALLBACK = new Rule("ANY", "/*", Level.PUBLIC);

    /** The query parameter that may carry a token on a {@code GET}. */
    public static final String TOKEN_PARAM = "access_token";

    private static final Set<String> SIMPLE_TYPES =
            Set.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data");

    private static final String DASHBOARD_CSP =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                    + " img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none';"
                    + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final List<Rule> rules;
    private final List<Pattern> patterns;
    private final CoordinatorConfig config;
    private final Tokens tokens;
    private final Audit audit;
    private final HostCheck hosts;

    /** The access filter of a coordinator with {@code config}, checking tokens with {@code tokens}. */
    public Access(CoordinatorConfig config, Tokens tokens, Audit audit) {
        this.config = config;
        this.tokens = tokens;
        this.audit = audit;
        this.rules = RULES;
        this.hosts = new HostCheck(config);
        this.patterns = RULES.stream().map(Rule::pattern).toList();
    }

    /** Adds the filter to {@code routing}; add it before any route. */
    public void routing(HttpRouting.Builder routing) {
        routing.addFilter(new Filter() {
            @Override
            public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
                check(req, res);
                chain.proceed();
            }
        });
    }

    /**
     * Checks that every route in {@code registered} ({@code "METHOD /path"}) has a row in {@link
     * #RULES}.
     *
     * @throws IllegalStateException naming the routes without one
     */
    public static void requireRules(Collection<String> registered) {
        Set<String> known = new TreeSet<>();
        for (Rule r : RULES) {
            known.add(r.method() + " " + r.path());
        }
        List<String> missing = new ArrayList<>();
        for (String route : registered) {
            if (!route.startsWith("HEAD ") && !route.endsWith("/*") && !known.contains(route)) {
                missing.add(route);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("routes without an access rule in Access.RULES: " + missing);
        }
    }

    private void check(RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        String method = req.prologue().method().text();
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        Optional<String> host = req.headers().first(HeaderNames.HOST);
        if (!hosts.allows(host)) {
            // before anything else, the token included: a rebinding page must learn nothing here
            throw hosts.refusal(host, remote(req));
        }
        if (path.equals("/") || path.startsWith("/dashboard/")) {
            res.header(HeaderNames.create("Content-Security-Policy"), DASHBOARD_CSP);
            res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        }
        Rule rule = rule(method, path);
        Optional<Principal> principal = authenticate(req, method, path);
        if (rule.level() != Level.PUBLIC) {
            Principal p = principal.orElseThrow(() -> unauthorized(
                    "this endpoint needs a token: send" + " Authorization: Bearer TOKEN (docs/security.md)"));
            boolean allowed = switch (rule.level()) {
                case PUBLIC -> true;
                case VIEWER -> p.canRead();
                case SUBMITTER -> p.canSubmit();
                case ADMIN -> p.isAdmin();
            };
            if (!allowed) {
                throw PartitaException.forbidden(
                        "forbidden",
                        "role " + p.role().wireName() + " may not " + method + " " + path + "; it needs "
                                + rule.level().name().toLowerCase(Locale.ROOT));
            }
        }
        if (path.startsWith("/api/") && isWrite(method)) {
            checkOrigin(req);
            checkContentType(req, method, path);
        }
        principal.ifPresent(p -> req.context().register(p));
    }

    private Rule rule(String method, String path) {
        String m = method.equals("HEAD") ? "GET" : method;
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.method().equals(m) && patterns.get(i).matcher(path).matches()) {
                return r;
            }
        }
        return path.startsWith("/api/") || path.equals("/metrics") ? API_FALLBACK : OTHER_FALLBACK;
    }

    private Optional<Principal> authenticate(RoutingRequest req, String method, String path) {
        if (!config.auth()) {
            return Optional.of(Principal.OPEN);
        }
        Optional<String> presented = bearer(req.headers().first(HeaderNames.AUTHORIZATION));
        if (presented.isEmpty()
                && (method.equals("GET") || method.equals("HEAD"))
                && req.query().contains(TOKEN_PARAM)) {
            presented = Optional.of(req.query().get(TOKEN_PARAM));
        }
        if (presented.isEmpty()) {
            if (req.headers().contains(HeaderNames.AUTHORIZATION)) {
                audit.refused("anonymous", method + " " + path, "malformed Authorization header", remote(req));
                throw unauthorized("the Authorization header must be 'Bearer TOKEN'");
            }
            return Optional.empty();
        }
        Optional<Principal> principal = tokens.verify(presented.get());
        if (principal.isEmpty()) {
            audit.refused("anonymous", method + " " + path, "unknown, revoked or expired token", remote(req));
            throw unauthorized("the token is unknown, revoked or expired");
        }
        return principal;
    }

    /** The token of an {@code Authorization: Bearer TOKEN} header, if it is one. */
    public static Optional<String> bearer(Optional<String> header) {
        return header.map(String::strip)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).strip())
                .filter(t -> !t.isEmpty());
    }

    private void checkOrigin(RoutingRequest req) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            return;
        }
        String o = origin.get();
        Optional<String> host = req.headers().first(HeaderNames.HOST);
        boolean same = host.isPresent() && (o.equals("http://" + host.get()) || o.equals("https://" + host.get()));
        if (!same && !config.allowedOrigins().contains(o)) {
            throw PartitaException.forbidden(
                    "origin_not_allowed", "origin " + o + " may not change anything here (see --allowed-origin)");
        }
    }

    private static void checkContentType(RoutingRequest req, String method, String path) {
        if (method.equals("DELETE")) {
            return;
        }
        Optional<String> type =
                req.headers().contentType().map(t -> t.mediaType().text().toLowerCase(Locale.ROOT));
        if (type.isEmpty()) {
            if (req.headers().contentLength().orElse(-1) == 0) {
                return;
            }
            throw unsupported("a request body needs a Content-Type: application/json");
        }
        if (type.get().equals("application/json")) {
            return;
        }
        if (path.equals("/api/datasets") && !SIMPLE_TYPES.contains(type.get())) {
            return; // an upload: any declared type but those a page may send without asking
        }
        throw unsupported("Content-Type " + type.get() + " is not accepted here; send application/json"
                + (path.equals("/api/datasets")
                        ? " or an upload type such as application/octet-stream or text/csv"
                        : ""));
    }

    private static PartitaException unsupported(String message) {
        return new PartitaException(PartitaException.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message);
    }

    private static PartitaException unauthorized(String message) {
        return new PartitaException(PartitaException.Kind.UNAUTHORIZED, "unauthorized", message);
    }

    private static boolean isWrite(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("DELETE") || method.equals("PATCH");
    }

    private static String remote(ServerRequest req) {
        return req.remotePeer().address().toString();
    }

    /** The principal of a request that passed the filter, if it presented a token. */
    public static Optional<Principal> principal(ServerRequest req) {
        return principal(req.context());
    }

    static Optional<Principal> principal(Context context) {
        return context.get(Principal.class);
    }

    /**
     * The principal of a request to a route that needs one.
     *
     * @throws PartitaException 401 if there is none
     */
    public static Principal required(ServerRequest req) {
        return principal(req).orElseThrow(() -> unauthorized("this endpoint needs a token"));
    }

    /** Whether this is the {@code HEAD} method, for the filter's callers. */
    static boolean isHead(Method m) {
        return m.equals(Method.HEAD);
    }
}
