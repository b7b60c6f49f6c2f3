package io.partita.coordinator.http;

import static io.partita.coordinator.http.HttpSupport.intQuery;
import static io.partita.coordinator.http.HttpSupport.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.partita.coordinator.auth.Audit;
import io.partita.coordinator.auth.Tokens;
import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import io.partita.store.AuditEntry;
import io.partita.store.StoredToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who the caller is ({@code GET /api/me}: user, role, tenant, for the dashboard's read-only mode)
 * and the admin API: API tokens ({@code GET/POST /api/tokens}, {@code DELETE /api/tokens/{id}}) and the
 * audit log ({@code GET /api/audit}). Only admins reach it ({@link Access}); every change is
 * audited. A token's text is in the answer to its creation only.
 */
public final class AdminApi {
    private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,6})([smhd])");

    private final Tokens tokens;
    private final Audit audit;
    private final HttpSupport http;

    /** The admin routes over {@code tokens} and {@code audit}. */
    public AdminApi(Tokens tokens, Audit audit, HttpSupport http) {
        this.tokens = tokens;
        this.audit = audit;
        this.http = http;
    }

    /** Adds the routes to {@code routing}. */
    public void routing(HttpRouting.Builder routing) {
        Routes.on(routing)
                .get("/api/tokens", this::list)
                .post("/api/tokens", this::create)
                .delete("/api/tokens/{id}", this::revoke)
                .get("/api/audit", this::auditLog)
                .get("/api/me", (req, res) -> {
                    Principal p = Access.required(req);
                    ObjectNode out = object();
                    out.put("user", p.user());
                    out.put("role", p.role().wireName());
                    out.put("tenant", p.tenant());
                    http.json(res, 200, out);
                });
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal admin = Access.required(req);
        JsonNode body = http.readJson(req);
        if (!body.isObject()) {
            throw PartitaException.invalid(
                    "", "expected {\"user\": ..., \"role\": ..., \"tenant\": ..., \"expires\": ...}");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("user") && !f.equals("role") && !f.equals("tenant") && !f.equals("expires")) {
                throw PartitaException.invalid(f, "unknown field " + f + "; a token takes user, role, tenant, expires");
            }
        }
        String user = text(body, "user").orElseThrow(() -> PartitaException.invalid("user", "user is required"));
        Principal.Role role = Principal.Role.parse(
                text(body, "role").orElseThrow(() -> PartitaException.invalid("role", "role is required")), "role");
        String tenant = text(body, "tenant").orElse(Principal.DEFAULT_TENANT);
        Optional<Duration> expires = text(body, "expires").map(AdminApi::duration);
        Tokens.Issued issued = tokens.create(user, role, tenant, expires);
        audit.action(
                admin.describe(),
                "token.create",
                issued.token().id() + " " + user + "@" + tenant + " " + role.wireName(),
                req.remotePeer().address().toString());
        ObjectNode out = view(issued.token());
        out.put("token", issued.text());
        http.json(res, 201, out);
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw PartitaException.invalid(field, field + " must be a string, was " + v);
        }
        return Optional.of(v.textValue());
    }

    /** {@code 30d}, {@code 12h}, {@code 90m}, {@code 3600s}. */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw PartitaException.invalid(
                    "expires", "expires must be a number and s, m, h or d (e.g. 30d), was '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private void list(ServerRequest req, ServerResponse res) {
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (StoredToken t : tokens.list()) {
            items.add(view(t));
        }
        http.json(res, 200, out);
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        Principal admin = Access.required(req);
        String id = HttpSupport.id(req);
        if (!tokens.revoke(id)) {
            throw PartitaException.notFound("no token '" + id + "' that is not revoked already");
        }
        audit.action(
                admin.describe(), "token.revoke", id, req.remotePeer().address().toString());
        ObjectNode out = object();
        out.put("id", id);
        out.put("revoked", true);
        http.json(res, 200, out);
    }

    private void auditLog(ServerRequest req, ServerResponse res) {
        int limit = intQuery(req, "limit", 100, 1, 1000);
        ObjectNode out = object();
        ArrayNode items = out.putArray("items");
        for (AuditEntry e : audit.recent(limit)) {
            ObjectNode n = items.addObject();
            n.put("at", Instant.ofEpochMilli(e.at()).toString());
            n.put("actor", e.actor());
            n.put("action", e.action());
            n.put("target", e.target());
            n.put("outcome", e.outcome());
            n.put("remote", e.remote());
        }
        http.json(res, 200, out);
    }

    private static ObjectNode view(StoredToken t) {
        ObjectNode n = object();
        n.put("id", t.id());
        n.put("user", t.user());
        n.put("role", t.role());
        n.put("tenant", t.tenant());
        n.put("createdAt", Instant.ofEpochMilli(t.createdAt()).toString());
        t.expiresAt().ifPresent(e -> n.put("expiresAt", Instant.ofEpochMilli(e).toString()));
        t.revokedAt().ifPresent(r -> n.put("revokedAt", Instant.ofEpochMilli(r).toString()));
        return n;
    }
}
