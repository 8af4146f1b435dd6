package app.donna.platform.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets that must be kept or passed on but never readable where they rest: OAuth codes and
 * verifiers on a topic, refresh tokens in PostgreSQL. AES-256-GCM (authenticated: a changed byte does not
 * open), a random 96-bit nonce per secret, and the secret's <b>context</b> as associated data: what it is
 * and whose ({@code gmail-refresh-token:<user>}), so a sealed value copied into another user's row, or
 * used for another purpose, does not open either.
 *
 * <p>A sealed secret names the key that sealed it: {@code v1.<key id>.<base64url(nonce, ciphertext and
 * tag)>}, without padding. New secrets are sealed with the current key; any configured key opens what it
 * sealed, so keys rotate without a failure: add a key, make it current, re-seal at leisure
 * ({@link #sealedWithCurrentKey}), then remove the old one. With random nonces one key should seal at most
 * about four billion (2^32) secrets.
 *
 * <p>Errors never carry the secret or a key; {@link #toString} names the key ids only.
 */
public final class SealedSecrets {

    /** The format's version, the first part of every sealed secret. */
    static final String VERSION = "v1";

    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final String currentKeyId;
    private final Map<String, SecretKeySpec> keys;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param currentKeyId the key new secrets are sealed with
     * @param keys         every key that may open a secret, by id (letters, digits, {@code -} and {@code _},
     *                     at most 32): 32 bytes each
     */
    public SealedSecrets(String currentKeyId, Map<String, byte[]> keys) {
        if (!keys.containsKey(currentKeyId)) {
            throw new IllegalArgumentException(
                    "the current key " + currentKeyId + " is not among the keys " + keys.keySet());
        }
        Map<String, SecretKeySpec> checked = new LinkedHashMap<>();
        keys.forEach((id, key) -> {
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("a key id is 1 to 32 letters, digits, '-' or '_'; not '" + id + "'");
            }
            if (key == null || key.length != KEY_BYTES) {
                throw new IllegalArgumentException(
                        "key " + id + " must be 32 bytes (AES-256), not " + (key == null ? 0 : key.length));
            }
            checked.put(id, new SecretKeySpec(key.clone(), "AES"));
        });
        this.currentKeyId = currentKeyId;
        this.keys = Map.copyOf(checked);
    }

    /**
     * Keys as configuration gives them: {@code id:base64,id:base64}, the first the current one (standard
     * or URL-safe base64 of 32 random bytes, e.g. {@code openssl rand -base64 32}).
     */
    public static SealedSecrets fromConfig(String keys) {
        if (keys == null || keys.isBlank()) {
            throw new IllegalArgumentException("no keys configured");
        }
        Map<String, byte[]> parsed = new LinkedHashMap<>();
        String current = null;
        for (String entry : keys.split(",")) {
            String[] idAndKey = entry.strip().split(":", 2);
            if (idAndKey.length != 2) {
                throw new IllegalArgumentException("each key is <id>:<base64 of 32 bytes>");
            }
            String id = idAndKey[0].strip();
            byte[] key;
            try {
                String text = idAndKey[1].strip();
                key = text.contains("-") || text.contains("_")
                        ? Base64.getUrlDecoder().decode(text)
                        : Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key " + id + " is not base64");
            }
            if (parsed.put(id, key) != null) {
                throw new IllegalArgumentException("key " + id + " is given twice");
            }
            if (current == null) {
                current = id;
            }
        }
        return new SealedSecrets(current, parsed);
    }

    /** A new random key, as configuration takes it (base64): what {@code donna dev} makes for itself. */
    public static String newKey() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** Seals {@code secret} for {@code context} with the current key. */
    public String seal(String secret, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), nonce, context);
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out =
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
            return VERSION + "." + currentKeyId + "."
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a secret sealed for {@code context}.
     *
     * @throws NotOpened when it is not a sealed secret, names a key not configured, was changed, or was
     *                   sealed for another context
     */
    public String open(String sealed, String context) {
        String[] parts = sealed == null ? new String[0] : sealed.split("\\.", 3);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new NotOpened("not a sealed secret (" + VERSION + ".<key id>.<data>)");
        }
        SecretKeySpec key = keys.get(parts[1]);
        if (key == null) {
            throw new NotOpened(
                    "sealed with key " + parts[1] + ", which is not configured (keys: " + keys.keySet() + ")");
        }
        byte[] data;
        try {
            data = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new NotOpened("its data is not base64url");
        }
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new NotOpened("too short to be a sealed secret");
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            System.arraycopy(data, 0, nonce, 0, NONCE_BYTES);
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, context);
            return new String(cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new NotOpened("it was changed, or sealed for another context than " + context);
        } catch (GeneralSecurityException e) {
            throw new NotOpened("it could not be opened: " + e.getClass().getSimpleName());
        }
    }

    /** Whether {@code sealed} was sealed with the current key (if not, seal it again to retire the old one). */
    public boolean sealedWithCurrentKey(String sealed) {
        return sealed != null && sealed.startsWith(VERSION + "." + currentKeyId + ".");
    }

    /** The ids of the configured keys. */
    public Set<String> keyIds() {
        return keys.keySet();
    }

    private static Cipher cipher(int mode, SecretKeySpec key, byte[] nonce, String context)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    @Override
    public String toString() {
        return "SealedSecrets[current=" + currentKeyId + ", keys=" + keys.keySet() + "]";
    }

    /** A sealed secret that does not open; the message says why, never what it holds. */
    public static final class NotOpened extends RuntimeException {
        NotOpened(String message) {
            super(message);
        }
    }
}
