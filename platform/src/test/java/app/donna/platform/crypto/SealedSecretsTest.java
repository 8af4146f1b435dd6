package app.donna.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SealedSecretsTest {

    static final String TOKEN = "1//0refresh-token-of-a-gmail-user";
    static final String ANNS = "gmail-refresh-token:ann";

    final String k1 = SealedSecrets.newKey();
    final String k2 = SealedSecrets.newKey();
    final SealedSecrets secrets = SealedSecrets.fromConfig("k1:" + k1);

    @Test
    void aSealedSecretOpensForItsContextAndShowsNothingOfIt() {
        String sealed = secrets.seal(TOKEN, ANNS);

        assertThat(sealed).startsWith("v1.k1.").doesNotContain(TOKEN).doesNotContain("=");
        assertThat(secrets.open(sealed, ANNS)).isEqualTo(TOKEN);
        assertThat(secrets.seal(TOKEN, ANNS)).as("a new nonce each time").isNotEqualTo(sealed);
        assertThat(secrets.open(secrets.seal("", ANNS), ANNS)).isEmpty();
        assertThat(secrets.open(secrets.seal("naïve ✓", ANNS), ANNS)).isEqualTo("naïve ✓");
    }

    @Test
    void anotherContextAChangedByteOrAnotherKeyDoesNotOpen() {
        String sealed = secrets.seal(TOKEN, ANNS);
        String data = sealed.substring("v1.k1.".length());
        byte[] bytes = Base64.getUrlDecoder().decode(data);
        bytes[bytes.length / 2] ^= 1;
        String flipped = "v1.k1." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

        assertThatThrownBy(() -> secrets.open(sealed, "gmail-refresh-token:bob"))
                .isInstanceOf(SealedSecrets.NotOpened.class)
                .hasMessageContaining("another context");
        assertThatThrownBy(() -> secrets.open(flipped, ANNS)).isInstanceOf(SealedSecrets.NotOpened.class);
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k1:" + k2).open(sealed, ANNS))
                .as("the same id, another key")
                .isInstanceOf(SealedSecrets.NotOpened.class);
        for (String garbage : new String[] {"", "v1", "v2.k1.AAAA", "v1.k1.!!!", "v1.k1.AAAA", TOKEN}) {
            assertThatThrownBy(() -> secrets.open(garbage, ANNS))
                    .isInstanceOf(SealedSecrets.NotOpened.class)
                    .message()
                    .doesNotContain(TOKEN);
        }
        assertThatThrownBy(() -> secrets.open(null, ANNS)).isInstanceOf(SealedSecrets.NotOpened.class);
    }

    @Test
    void keysRotateWithoutAFailure() {
        String old = secrets.seal(TOKEN, ANNS);
        SealedSecrets rotated = SealedSecrets.fromConfig("k2:" + k2 + ",k1:" + k1);

        assertThat(rotated.open(old, ANNS)).as("the old key still opens").isEqualTo(TOKEN);
        assertThat(rotated.sealedWithCurrentKey(old)).isFalse();
        String again = rotated.seal(rotated.open(old, ANNS), ANNS);
        assertThat(again).startsWith("v1.k2.");
        assertThat(rotated.sealedWithCurrentKey(again)).isTrue();
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k2:" + k2).open(old, ANNS))
                .as("once the old key is removed")
                .isInstanceOf(SealedSecrets.NotOpened.class)
                .hasMessageContaining("key k1, which is not configured");
    }

    @Test
    void badKeysAreRefusedAtStartWithoutShowingThem() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k1:" + short16))
                .hasMessageContaining("32 bytes")
                .message()
                .doesNotContain(short16);
        assertThatThrownBy(() -> SealedSecrets.fromConfig("")).hasMessageContaining("no keys");
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k1" + k1)).hasMessageContaining("<id>:");
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k1:not base64!")).hasMessageContaining("not base64");
        assertThatThrownBy(() -> SealedSecrets.fromConfig("k1:" + k1 + ",k1:" + k2))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> SealedSecrets.fromConfig("a.b:" + k1)).hasMessageContaining("key id");
        assertThatThrownBy(() -> new SealedSecrets("k9", Map.of("k1", new byte[32])))
                .hasMessageContaining("current key k9");
        assertThat(secrets.toString()).contains("k1").doesNotContain(k1);
    }

    @Test
    void urlSafeKeysAreTakenToo() {
        byte[] raw = new byte[32];
        raw[0] = (byte) 0xfb; // encodes with '-' or '_' in the URL-safe alphabet
        raw[1] = (byte) 0xff;
        String urlSafe = Base64.getUrlEncoder().encodeToString(raw);
        SealedSecrets fromUrlSafe = SealedSecrets.fromConfig("u:" + urlSafe);
        SealedSecrets fromStandard =
                SealedSecrets.fromConfig("u:" + Base64.getEncoder().encodeToString(raw));

        assertThat(fromStandard.open(fromUrlSafe.seal(TOKEN, ANNS), ANNS)).isEqualTo(TOKEN);
    }

    @Test
    void noncesDoNotRepeat() {
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String sealed = secrets.seal(TOKEN, ANNS);
            nonces.add(sealed.substring("v1.k1.".length(), "v1.k1.".length() + 16)); // 12 bytes, 16 characters
        }
        assertThat(nonces).hasSize(10_000);
    }
}
