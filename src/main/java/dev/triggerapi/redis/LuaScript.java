package dev.triggerapi.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * A Lua script from {@code src/main/resources/redis/} with its SHA-1, read once at construction so a missing
 * file fails at startup and {@code EVALSHA} needs no {@code SCRIPT LOAD} round trip. The one way code in this
 * service gets a script: Jedis users call {@link #sha1()} / {@link #text()} themselves, users of Spring's
 * {@code StringRedisTemplate} take {@link #redisScript(Class)} (which does {@code EVALSHA} with the {@code EVAL}
 * fallback).
 *
 * @param name file name under {@code redis/}
 * @param text the script
 * @param sha1 lower-case hex SHA-1 of {@code text}, as Redis names the script
 */
public record LuaScript(String name, String text, String sha1) {

    /** Reads {@code redis/<name>} from the class path. */
    public static LuaScript load(String name) {
        try {
            String text = new ClassPathResource("redis/" + name).getContentAsString(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(name, text, HexFormat.of().formatHex(digest));
        } catch (IOException e) {
            throw new UncheckedIOException("Missing Lua script redis/" + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script for {@code StringRedisTemplate.execute}, answering {@code resultType}. */
    public <T> RedisScript<T> redisScript(Class<T> resultType) {
        return RedisScript.of(text, resultType);
    }
}
