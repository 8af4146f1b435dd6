package app.donna.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuByPartTest {

    @Test
    void tellsThePartsOfTheStackFromTheNamesTheirThreadsHave() {
        // names as the running stack gives them (client ids and uuids included)
        assertThat(CpuByPart.partOf("data-plane-kafka-request-handler-0")).isEqualTo(CpuByPart.BROKER);
        assertThat(CpuByPart.partOf("kafka-1-raft-io-thread")).isEqualTo(CpuByPart.BROKER);
        assertThat(CpuByPart.partOf("TxnMarkerSenderThread-1")).isEqualTo(CpuByPart.BROKER);
        assertThat(CpuByPart.partOf("kafka-producer-network-thread | ingress-api-producer-1"))
                .isEqualTo(CpuByPart.INGRESS);
        assertThat(CpuByPart.partOf("ForkJoinPool-1-worker-3")).isEqualTo(CpuByPart.INGRESS);
        assertThat(CpuByPart.partOf("donna-abuse-detector-6c1f0e2a-4b7d-4c1e-9a55-0b6f3f1d2e4c-StreamThread-1"))
                .isEqualTo(CpuByPart.ABUSE);
        assertThat(CpuByPart.partOf(
                        "kafka-producer-network-thread | donna-abuse-detector-6c1f-StreamThread-1-producer"))
                .isEqualTo(CpuByPart.ABUSE);
        assertThat(CpuByPart.partOf("kafka-producer-network-thread | chat-processor-deltas"))
                .isEqualTo(CpuByPart.CHAT);
        assertThat(CpuByPart.partOf("chat-model-call-12")).isEqualTo(CpuByPart.CHAT);
        assertThat(CpuByPart.partOf("projector-chat-0-C-1")).isEqualTo(CpuByPart.PROJECTIONS);
        assertThat(CpuByPart.partOf("bench-client-7")).isEqualTo(CpuByPart.LOAD_GENERATOR);
        assertThat(CpuByPart.partOf("stand-in-openai-3")).isEqualTo(CpuByPart.LOAD_GENERATOR);
        // a client nobody named is not the broker's, though its thread starts with "kafka-"
        assertThat(CpuByPart.partOf("kafka-producer-network-thread | producer-4"))
                .isEqualTo(CpuByPart.OTHER);
        assertThat(CpuByPart.partOf("Signal Dispatcher")).isEqualTo(CpuByPart.OTHER);
    }

    @Test
    void countsWhatAThreadSpentInTheWindowUnderItsPart() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread busy = Thread.ofPlatform().name("bench-client-busy").start(() -> {
            try {
                go.await(); // spins only inside the window
                var threads = ManagementFactory.getThreadMXBean();
                long until = threads.getCurrentThreadCpuTime() + 200_000_000L; // its own CPU, however busy the machine
                long spin = 0;
                while (threads.getCurrentThreadCpuTime() < until) {
                    spin++;
                }
                spun.countDown();
                finish.await(); // alive at the window's end, so it is seen there
                if (spin == 42) {
                    System.out.print(""); // keeps the loop from being optimised away
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CpuByPart before = CpuByPart.now();
        go.countDown();
        spun.await();
        Map<String, Long> spent = CpuByPart.now().since(before).byPart();
        finish.countDown();
        busy.join();

        assertThat(spent.keySet())
                .containsExactly(
                        CpuByPart.BROKER,
                        CpuByPart.INGRESS,
                        CpuByPart.ABUSE,
                        CpuByPart.CHAT,
                        CpuByPart.PROJECTIONS,
                        CpuByPart.LOAD_GENERATOR,
                        CpuByPart.OTHER);
        // its 200 ms of spinning, all inside the window, under the part its name says
        assertThat(spent.get(CpuByPart.LOAD_GENERATOR)).isGreaterThanOrEqualTo(200_000_000L);
    }
}
