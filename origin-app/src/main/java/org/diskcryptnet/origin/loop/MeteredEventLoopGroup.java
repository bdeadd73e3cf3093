package org.diskcryptnet.origin.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;

/**
 * The origin's event loops, each a {@link MeteredEventLoop} with its own {@link LoopStats}. Behaves exactly as
 * a {@link MultiThreadIoEventLoopGroup} over the same transport.
 */
public final class MeteredEventLoopGroup extends MultiThreadIoEventLoopGroup {

    private final List<LoopStats> stats;

    public MeteredEventLoopGroup(int loops, IoHandlerFactory factory) {
        this(loops, factory, new ArrayList<>());
    }

    private MeteredEventLoopGroup(int loops, IoHandlerFactory factory, List<LoopStats> collecting) {
        // the superclass constructor creates the children and hands newChild the list through its args
        super(loops, (Executor) null, factory, collecting);
        this.stats = List.copyOf(collecting);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory factory, Object... args) {
        List<LoopStats> collecting = (List<LoopStats>) args[0];
        MeteredEventLoop loop = new MeteredEventLoop(this, executor, factory, collecting.size());
        collecting.add(loop.stats());
        return loop;
    }

    /** One entry per loop, in loop order. */
    public List<LoopStats> stats() {
        return stats;
    }
}
