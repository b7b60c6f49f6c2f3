package io.partita.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.partita.coordinator.common.PartitaException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The PNGs the coordinator serves: result images pixel for pixel, QR codes square and scaled. */
class PngRendererTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static BufferedImage decode(byte[] png) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void resultImage_pixelsRowByRow() throws Exception {
        BufferedImage image = decode(PngRenderer.resultImage(
                "j",
                MAPPER.readTree("{\"image\": {\"width\": 2, \"height\": 2, \"pixels\": [16711680, 65280, 255, 0]}}")));
        assertThat(image.getWidth()).isEqualTo(2);
        assertThat(image.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF0000);
        assertThat(image.getRGB(1, 0) & 0xFFFFFF).isEqualTo(0x00FF00);
        assertThat(image.getRGB(0, 1) & 0xFFFFFF).isEqualTo(0x0000FF);
        assertThat(image.getRGB(1, 1) & 0xFFFFFF).isEqualTo(0);
    }

    @Test
    void resultImage_wrongPixelCount_notAnImage() {
        assertThatThrownBy(() -> PngRenderer.resultImage(
                        "j", MAPPER.readTree("{\"image\": {\"width\": 2, \"height\": 2, \"pixels\": [1]}}")))
                .isInstanceOfSatisfying(PartitaException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PartitaException.Kind.INVALID);
                    assertThat(e.code()).isEqualTo("not_an_image");
                    assertThat(e.getMessage()).startsWith("the result of job j is not an image");
                });
    }

    @Test
    void qrCode_squareWithQuietZone() throws Exception {
        BufferedImage image = decode(PngRenderer.qrCode("http://localhost:8080/join", 8));
        assertThat(image.getWidth()).isEqualTo(image.getHeight());
        assertThat(image.getWidth() % 8).isZero();
        assertThat(image.getRGB(0, 0) & 0xFFFFFF).as("quiet zone").isEqualTo(0xFFFFFF);
        assertThat(image.getRGB(4 * 8, 4 * 8) & 0xFFFFFF).as("finder pattern").isEqualTo(0);
    }
}
