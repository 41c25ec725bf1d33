package dev.impulse.deployment;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's hold on one of a deployment's chambers: counted against its {@code concurrency}
 * until released. Release it exactly when the request ends; a second release does nothing.
 */
public final class Lease {
  private final Deployment deployment;
  private final Member member;
  private final InetSocketAddress target;
  private final AtomicBoolean released = new AtomicBoolean();

  Lease(Deployment deployment, Member member) {
    this.deployment = deployment;
    this.member = member;
    this.target = member.target;
  }

  /** The deployment's app. */
  public String app() {
    return deployment.app();
  }

  /** The function version the chamber runs. */
  public String version() {
    return member.version;
  }

  /** The chamber's id. */
  public String chamber() {
    return member.id;
  }

  /** Where the chamber's wrapper answers. */
  public InetSocketAddress target() {
    return target;
  }

  /** The request ended. */
  public void release() {
    if (released.compareAndSet(false, true)) {
      deployment.release(member, false);
    }
  }

  /**
   * The chamber refused the connection, or dropped the call before it answered: it takes no more
   * requests (it is ending, or broken; the autoscaler replaces it). A refused request may go to
   * another.
   */
  public void failed() {
    if (released.compareAndSet(false, true)) {
      deployment.release(member, true);
    }
  }
}
