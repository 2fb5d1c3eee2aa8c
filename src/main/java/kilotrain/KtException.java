package kilotrain;

/**
 * An error the user can act on: bad model or data files, unsupported operators, budgets that cannot be met,
 * diverging runs. The CLI prints its message (no stack trace) and exits non-zero, so the message must name the
 * problem: file, operator, tensor, offset or limit.
 */
public class KtException extends RuntimeException {
    public KtException(String message) {
        super(message);
    }

    public KtException(String message, Throwable cause) {
        super(message, cause);
    }
}
