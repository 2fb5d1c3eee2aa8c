package kilotrain.ops.resize;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** Nearest-neighbour resizing with each of TFLite's index rules. */
class ResizeNearestNeighborTest {
    @Test
    void upsamplesTwoByTwoToThreeByThree() {
        Tensor in = t("x", 1, 0, 1, 2, 2, 1), out = t("y", 1, 0, 1, 3, 3, 1);
        // scale 2/3: rows and columns 0, 0, 1
        assertArrayEquals(bytes(3, 3, 6, 3, 3, 6, 9, 9, 12),
                run(new ResizeNearestNeighbor("r", in, out, false, false), bytes(3, 6, 9, 12)));
        // align_corners: scale 1/2, round(0.5) = 1 (half away from zero): 0, 1, 1
        assertArrayEquals(bytes(3, 6, 6, 9, 12, 12, 9, 12, 12),
                run(new ResizeNearestNeighbor("r", in, out, true, false), bytes(3, 6, 9, 12)));
        // half_pixel_centers: floor((i + 0.5) * 2/3) = 0, 1, 1
        assertArrayEquals(bytes(3, 6, 6, 9, 12, 12, 9, 12, 12),
                run(new ResizeNearestNeighbor("r", in, out, false, true), bytes(3, 6, 9, 12)));
    }

    @Test
    void indexRule() {
        // 2x upsampling of 4 by TFLite's default rule: floor(i / 2)
        for (int i = 0; i < 8; i++) {
            assertEquals(i / 2, ResizeNearestNeighbor.nearest(i, 4, 8, false, false));
        }
        // downsampling 5 -> 2 with half pixel centers: floor(0.5 * 2.5) = 1, floor(1.5 * 2.5) = 3
        assertEquals(1, ResizeNearestNeighbor.nearest(0, 5, 2, false, true));
        assertEquals(3, ResizeNearestNeighbor.nearest(1, 5, 2, false, true));
    }

    @Test
    void keepsChannelsTogether() {
        Tensor in = t("x", 1, 0, 1, 1, 2, 2), out = t("y", 1, 0, 1, 2, 4, 2);
        assertArrayEquals(bytes(1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4),
                run(new ResizeNearestNeighbor("r", in, out, false, false), bytes(1, 2, 3, 4)));
    }
}
