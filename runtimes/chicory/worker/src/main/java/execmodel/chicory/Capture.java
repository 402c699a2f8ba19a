package execmodel.chicory;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/**
 * A guest's stdout or stderr. Over the life of one instance it keeps at most {@code budget} bytes
 * and counts the rest as dropped; each step takes what arrived since the previous step.
 *
 * <p>The guest always sees a complete write: the cap is the harness's, not an I/O error. Writes
 * come from the guest thread, takes from the request thread once it has joined that thread: no
 * lock is needed.
 */
final class Capture extends OutputStream {
    private long left;
    private ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long dropped;

    Capture(long budget) {
        this.left = Math.max(budget, 0);
    }

    @Override
    public void write(int b) {
        if (left > 0) {
            pending.write(b);
            left--;
        } else {
            dropped++;
        }
    }

    @Override
    public void write(byte[] data, int offset, int length) {
        int keep = (int) Math.min(length, left);
        pending.write(data, offset, keep);
        left -= keep;
        dropped += length - keep;
    }

    /** What was kept since the last take, and how many bytes were dropped meanwhile. */
    Taken take() {
        Taken taken = new Taken(pending.toByteArray(), dropped);
        pending = new ByteArrayOutputStream();
        dropped = 0;
        return taken;
    }

    static final class Taken {
        final byte[] bytes;
        final long dropped;

        Taken(byte[] bytes, long dropped) {
            this.bytes = bytes;
            this.dropped = dropped;
        }
    }
}
