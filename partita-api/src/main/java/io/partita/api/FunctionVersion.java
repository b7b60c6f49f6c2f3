package io.partita.api;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The version of a Java function's code, as workers announce it and as cache keys use it: the
 * {@link Function#version()} its annotation declares, else {@code class:} and the first 16 hex
 * digits of the SHA-256 of its class file. Workers and coordinator compute it the same way.
 */
public final class FunctionVersion {
    private FunctionVersion() {}

    /** The version of {@code type}, which must carry {@link Function}. */
    public static String of(Class<?> type) {
        Function annotation = type.getAnnotation(Function.class);
        if (annotation != null && !annotation.version().isEmpty()) {
            return annotation.version();
        }
        String resource = type.getName().replace('.', '/') + ".class";
        ClassLoader loader = type.getClassLoader() == null ? ClassLoader.getSystemClassLoader() : type.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return "class:unknown";
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
            return "class:" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (IOException | NoSuchAlgorithmException e) {
            return "class:unknown";
        }
    }
}
