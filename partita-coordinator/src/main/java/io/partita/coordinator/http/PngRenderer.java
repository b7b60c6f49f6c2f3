package io.partita.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import io.partita.coordinator.common.PartitaException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The PNG images the coordinator serves: QR codes of join links ({@code GET /api/qr.png}) and job
 * results that are images ({@code GET /api/jobs/{id}/result.png}). Only data is converted here; no
 * job code runs. Stateless; thread-safe.
 */
public final class PngRenderer {
    /** Largest width or height of a result image, in pixels. */
    static final int MAX_IMAGE_SIDE = 16_384;

    private PngRenderer() {}

    /**
     * A QR code of {@code text} (error correction M, 4-module quiet zone) with {@code scale} pixels
     * per module.
     *
     * @throws IllegalArgumentException if the text cannot be encoded (its message says why)
     */
    public static byte[] qrCode(String text, int scale) {
        BitMatrix matrix;
        try {
            matrix = new QRCodeWriter()
                    .encode(
                            text,
                            BarcodeFormat.QR_CODE,
                            0,
                            0,
                            Map.of(
                                    EncodeHintType.ERROR_CORRECTION,
                                    ErrorCorrectionLevel.M,
                                    EncodeHintType.MARGIN,
                                    4,
                                    EncodeHintType.CHARACTER_SET,
                                    "UTF-8"));
        } catch (WriterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        int size = matrix.getWidth() * scale;
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_BINARY);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                image.setRGB(x, y, matrix.get(x / scale, y / scale) ? 0x000000 : 0xFFFFFF);
            }
        }
        return png(image);
    }

    /**
     * The image in a job's result {@code {"image": {"width", "height", "pixels"}}}, pixels as
     * 0xRRGGBB integers row by row (see examples/js/mandelbrot.mjs).
     *
     * @throws PartitaException ({@code not_an_image}) if the result does not hold such an image
     */
    static byte[] resultImage(String jobId, JsonNode result) {
        JsonNode image = result.path("image");
        int width = image.path("width").asInt(0);
        int height = image.path("height").asInt(0);
        JsonNode pixels = image.path("pixels");
        if (width < 1
                || height < 1
                || width > MAX_IMAGE_SIDE
                || height > MAX_IMAGE_SIDE
                || !pixels.isArray()
                || pixels.size() != width * height) {
            throw new PartitaException(
                    PartitaException.Kind.INVALID,
                    "not_an_image",
                    "the result of job " + jobId + " is not an image: expected {\"image\": {\"width\", \"height\","
                            + " \"pixels\": [width*height 0xRRGGBB integers]}}");
        }
        BufferedImage png = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < pixels.size(); i++) {
            png.setRGB(i % width, i / width, pixels.get(i).asInt() & 0xFFFFFF);
        }
        return png(png);
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG", e);
        }
        return out.toByteArray();
    }
}
