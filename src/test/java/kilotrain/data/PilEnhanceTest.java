package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Pillow's ImageEnhance arithmetic: float32 blend truncated to uint8, fixed-point luma, mean rounded half up. */
class PilEnhanceTest {
    @Test
    void blendTruncatesAndClipsOnlyWhenExtrapolating() {
        assertEquals(70f, PilEnhance.blend(0, 101, 0.7f), "70.7 truncates to 70");
        assertEquals(255f, PilEnhance.blend(0, 200, 1.4f), "280 clips to 255");
        assertEquals(0f, PilEnhance.blend(100, 10, 1.4f), "-26 clips to 0");
        assertEquals(37f, PilEnhance.blend(10, 40, 0.9f), "10 + 0.9 * 30 = 37.000004 in float32, 37");
        for (int v = 0; v < 256; v++) {
            assertEquals(v, PilEnhance.blend(17, v, 1f), "factor 1 leaves every value");
        }
    }

    @Test
    void lumaIsPillowsFixedPointRec601() {
        assertEquals(76, PilEnhance.luma(255, 0, 0));
        assertEquals(150, PilEnhance.luma(0, 255, 0));
        assertEquals(29, PilEnhance.luma(0, 0, 255));
        assertEquals(255, PilEnhance.luma(255, 255, 255));
        assertEquals(93, PilEnhance.luma(93, 93, 93), "grey keeps its level");
    }

    @Test
    void adjustmentsOnATwoPixelImage() {
        // pixels (255, 0, 0) and (0, 0, 255): luma 76 and 29, mean 52.5 rounds half up to 53
        float[] px = {255, 0, 0, 0, 0, 255};
        float[] c = px.clone();
        PilEnhance.contrast(c, 2, 3, 0.5f);
        // 53 + 0.5 * (255 - 53) = 154, 53 + 0.5 * (0 - 53) = 26.5 -> 26
        assertArrayEquals(new float[] {154, 26, 26, 26, 26, 154}, c);
        float[] s = px.clone();
        PilEnhance.color(s, 2, 0.5f);
        // pixel 1: 76 + 0.5 * (255 - 76) = 165.5 -> 165, 76 - 38 = 38; pixel 2: 29 - 14.5 = 14.5 -> 14, 142
        assertArrayEquals(new float[] {165, 38, 38, 14, 14, 142}, s);
        float[] b = px.clone();
        PilEnhance.brightness(b, 6, 0.55f);
        assertArrayEquals(new float[] {140, 0, 0, 0, 0, 140}, b, "255 * 0.55 = 140.25 -> 140");
    }
}
