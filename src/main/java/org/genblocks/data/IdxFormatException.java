package org.genblocks.data;

import java.io.IOException;

/**
 * An IDX file whose content is not a valid IDX array: bad magic number, unsupported element type,
 * impossible dimensions, truncated data or trailing bytes. The message names the source, what was
 * expected and what was found.
 */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A format error with a message naming the source and the problem. */
    public IdxFormatException(String message) {
        super(message);
    }
}
