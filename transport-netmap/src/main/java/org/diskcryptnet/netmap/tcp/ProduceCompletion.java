package org.diskcryptnet.netmap.tcp;

/** How a {@link SendSource} that returned {@link SendSource#PENDING} reports that the bytes are in place. */
public interface ProduceCompletion {

    /**
     * @param ticket the ticket given to {@link SendSource#produce}
     * @param success false if the bytes could not be produced: the connection is aborted
     */
    void produced(long ticket, boolean success);
}
