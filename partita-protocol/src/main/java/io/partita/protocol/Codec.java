package io.partita.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Encodes and decodes {@link Message}s. Thread-safe. Decoding is strict about structure (a missing
 * or unknown {@code type}, a wrong field type, trailing garbage, a missing required field) but
 * ignores unknown extra fields, so newer peers can add fields without breaking older ones.
 */
public final class Codec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private Codec() {}

    /** The shared mapper, configured like the codec. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Encodes a message as JSON text. */
    public static String encode(Message message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /**
     * Decodes and validates one message.
     *
     * @throws ProtocolException naming what is wrong, if the text is not a valid message
     */
    public static Message decode(String text) {
        Message message;
        try {
            message = MAPPER.readValue(text, Message.class);
        } catch (InvalidTypeIdException e) {
            throw new ProtocolException(
                    "unknown or missing message type" + (e.getTypeId() == null ? "" : " '" + e.getTypeId() + "'"), e);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("malformed message: " + e.getOriginalMessage(), e);
        }
        if (message == null) {
            throw new ProtocolException("malformed message: null");
        }
        Validation.validate(message);
        return message;
    }
}
