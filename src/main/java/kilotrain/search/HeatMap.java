package kilotrain.search;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import kilotrain.util.AtomicFiles;

/** A labelled heat map PNG of gains: blue below zero, white at zero, red above, symmetric scale; each cell printed. */
final class HeatMap {
    private HeatMap() {
    }

    static void write(Path png, String title, List<String> rows, List<String> cols, double[][] values) {
        int cellW = 90, cellH = 22, left = 90, top = 60, bottom = 40;
        int width = Math.max(700, left + cellW * Math.max(1, cols.size()) + 140);
        int height = Math.max(top + cellH * Math.max(1, rows.size()) + bottom, top + 240);
        double scale = 1e-9;
        for (double[] r : values) {
            for (double v : r) {
                if (Double.isFinite(v)) {
                    scale = Math.max(scale, Math.abs(v));
                }
            }
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 10, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("channel ratio", left, top - 25);
        for (int j = 0; j < cols.size(); j++) {
            g.drawString(cols.get(j), left + j * cellW + cellW / 2 - 8, top - 6);
        }
        for (int i = 0; i < rows.size(); i++) {
            int y = top + i * cellH;
            g.setColor(Color.BLACK);
            g.drawString(rows.get(i), 10, y + cellH - 6);
            for (int j = 0; j < cols.size(); j++) {
                double v = values[i][j];
                int x = left + j * cellW;
                g.setColor(Double.isFinite(v) ? color(v / scale) : Color.LIGHT_GRAY);
                g.fillRect(x, y, cellW, cellH);
                g.setColor(Color.GRAY);
                g.setStroke(new BasicStroke(0.5f));
                g.drawRect(x, y, cellW, cellH);
                g.setColor(Color.BLACK);
                g.drawString(Double.isFinite(v) ? String.format(Locale.ROOT, "%+.2f", 100 * v) : "-", x + 20,
                        y + cellH - 6);
            }
        }
        int lx = left + cellW * cols.size() + 30;
        for (int s = 0; s <= 100; s++) {
            double t = 1 - s / 50.0;
            g.setColor(color(t));
            g.fillRect(lx, top + s * 2, 20, 2);
        }
        g.setColor(Color.BLACK);
        g.drawString(String.format(Locale.ROOT, "%+.2f", 100 * scale), lx + 25, top + 8);
        g.drawString("0", lx + 25, top + 104);
        g.drawString(String.format(Locale.ROOT, "%+.2f", -100 * scale), lx + 25, top + 200);
        g.drawString("points", lx, top + 220);
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(img, "png", out));
    }

    private static Color color(double t) {
        double c = Math.max(-1, Math.min(1, t));
        int fade = (int) Math.round(255 * (1 - Math.abs(c)));
        return c >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
    }
}
