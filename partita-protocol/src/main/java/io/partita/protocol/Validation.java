package io.partita.protocol;

import java.util.List;

/** Field-level checks of decoded messages; each failure names the field. */
final class Validation {
    private Validation() {}

    static void validate(Message message) {
        switch (message) {
            case Message.Hello h -> {
                check(h.protocol() >= 1, "hello.protocol must be at least 1, was " + h.protocol());
                text(h.kind(), "hello.kind");
                text(h.name(), "hello.name");
                list(h.runtimes(), "hello.runtimes");
                list(h.functions(), "hello.functions");
                check(
                        h.slots() >= 1 && h.slots() <= 65_536,
                        "hello.slots must be between 1 and 65536, was " + h.slots());
                check(h.cores() >= 0, "hello.cores must not be negative, was " + h.cores());
                check(h.memory() >= 0, "hello.memory must not be negative, was " + h.memory());
                for (String feature : h.featureList()) {
                    text(feature, "hello.features[]");
                }
                check(h.jobList().size() <= 100, "hello.jobs has more than 100 entries");
                for (String job : h.jobList()) {
                    text(job, "hello.jobs[]");
                }
                check(
                        h.userAgent() == null || h.userAgent().length() <= 1024,
                        "hello.userAgent is longer than 1024 characters");
            }
            case Message.Welcome w -> text(w.workerId(), "welcome.workerId");
            case Message.Pull p ->
                check(
                        p.credits() >= 0 && p.credits() <= 1_000_000,
                        "pull.credits must be between 0 and 1000000, was " + p.credits());
            case Message.Tasks t -> {
                list(t.jobs(), "tasks.jobs");
                list(t.tasks(), "tasks.tasks");
            }
            case Message.Results r -> {
                list(r.results(), "results.results");
                for (Message.Result result : r.results()) {
                    check(result != null, "results.results must not contain null");
                    text(result.job(), "results.results[].job");
                    check(
                            result.index() >= 0 && result.index() <= Integer.MAX_VALUE,
                            "results.results[].index out of range: " + result.index());
                    check(
                            result.attempt() >= 1,
                            "results.results[].attempt must be at least 1, was " + result.attempt());
                    check(
                            result.level() >= Message.CALL_LEVEL && result.level() < 64,
                            "results.results[].level out of range: " + result.level());
                    check(
                            result.log() == null
                                    || result.log().isNull()
                                    || result.log().isObject(),
                            "results.results[].log must be an object");
                    check(
                            result.ok() || result.error() != null,
                            "results.results[].error is required when ok is false");
                }
            }
            case Message.Ack a -> {}
            case Message.Heartbeat h -> {}
            case Message.Cancel c -> text(c.job(), "cancel.job");
            case Message.Return r -> refs(r.tasks(), "return.tasks");
            case Message.Suspend s -> refs(s.tasks(), "suspend.tasks");
            case Message.Resume r -> refs(r.tasks(), "resume.tasks");
            case Message.Drain d -> {}
            case Message.Error e -> text(e.code(), "error.code");
            case Message.Calls c -> {
                list(c.calls(), "calls.calls");
                for (Message.CallRequest call : c.calls()) {
                    check(call != null, "calls.calls must not contain null");
                    check(call.id() >= 0, "calls.calls[].id must not be negative, was " + call.id());
                    text(call.function(), "calls.calls[].function");
                    check(call.args() != null && call.args().isArray(), "calls.calls[].args must be an array");
                    if (call.parent() != null) {
                        ref(call.parent(), "calls.calls[].parent");
                    }
                }
            }
            case Message.Answers a -> list(a.answers(), "answers.answers");
        }
    }

    private static void refs(List<Message.TaskRef> refs, String field) {
        list(refs, field);
        for (Message.TaskRef ref : refs) {
            check(ref != null, field + " must not contain null");
            ref(ref, field + "[]");
        }
    }

    private static void ref(Message.TaskRef ref, String field) {
        text(ref.job(), field + ".job");
        check(ref.level() >= Message.CALL_LEVEL && ref.level() < 64, field + ".level out of range: " + ref.level());
        check(ref.index() >= 0 && ref.index() <= Integer.MAX_VALUE, field + ".index out of range: " + ref.index());
        check(ref.attempt() >= 1, field + ".attempt must be at least 1, was " + ref.attempt());
    }

    private static void text(String value, String field) {
        check(value != null && !value.isEmpty(), field + " is required");
        check(value.length() <= 1024, field + " is longer than 1024 characters");
    }

    private static void list(List<?> value, String field) {
        check(value != null, field + " is required");
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new ProtocolException(message);
        }
    }
}
