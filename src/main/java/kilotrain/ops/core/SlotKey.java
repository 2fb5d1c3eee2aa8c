package kilotrain.ops.core;

/** Key of a per-thread object shared by the steps of one operator ({@link JavaBinder#slot}). */
public record SlotKey(String what, Object op) {
}
