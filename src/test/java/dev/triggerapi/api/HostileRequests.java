package dev.triggerapi.api;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generates hostile requests for every public endpoint from one seeded {@link Random}: malformed and truncated
 * JSON, wrong types, nulls, huge strings and arrays, deep nesting, invalid UTF-8, duplicate keys, unknown enum
 * values, out-of-range numbers, bad durations and dates, oversized bodies, bad headers, path variables and
 * query parameters. The same seed always yields the same cases in the same order.
 *
 * <p>Body templates carry {@value #SLOT} inside one string value: it is removed for well-formed variants and
 * replaced by raw invalid UTF-8 bytes for the encoding cases.
 */
final class HostileRequests {

    /** Where invalid bytes go: always inside a JSON string of the template. */
    static final String SLOT = "@@";

    /** Everything the generated requests refer to: credentials and ids of real rows. */
    record Fixture(String secretKey, String workerToken, String runId, String snapshotId, String batchId,
                   int batchRunCount, String uploadToken, String downloadToken) {
    }

    private static final byte[][] INVALID_UTF8 = {
            {(byte) 0xC3, 0x28}, {(byte) 0xA0, (byte) 0xA1}, {(byte) 0xE2, 0x28, (byte) 0xA1},
            {(byte) 0xF0, 0x28, (byte) 0x8C, (byte) 0xBC}, {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
    };

    private static final String[] NOT_JSON = {
            "not json", "{'a':1}", "[1,2", "{\"a\":NaN}", "{\"a\":01}", "{\"a\":.5}", "{\"a\":1,}", "{\"a\" 1}",
            "{\"a\":1}/* c */", "{\"a\":tru}", "{\"a\":\"\\x41\"}", "{\"a\":\"unterminated}", "\u0000", "{{}}",
            "{\"a\":1}}", "]", ":", "{\"a\":\"\\uD800\\u\"}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}", "{,}",
    };

    private static final String[] BAD_DURATIONS = {
            "10x", "-5m", "1h1h", "5m1h", "m", "10 minutes", "1.5h", "PT10M", "99999999999999999999", "999999999w",
            "999999999d", "9999999999", "1w999999999d", "\u0000", "10m\u0000",
    };

    private static final String[] BAD_DATES = {
            "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01T25:00:00Z", "0000-00-00T00:00:00Z",
            "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "+300000-01-01T00:00:00Z",
            "-4800-01-01T00:00:00Z", "2024-01-01", "yesterday", "1e10",
    };

    private static final String[] BAD_PATH_SEGMENTS = {
            "%00", "run_%00", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "run_%FF%FE", "%C0%AF", "%E2%80%AE",
            "run_%27%3B%20--", "%F0%9F%92%A9", "%20", "run_%0A%0D", "%25", "%7B%7D",
    };

    private final Random random;
    private final Fixture f;
    private final JsonMapper strict = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private final List<FuzzCase> cases = new ArrayList<>();

    HostileRequests(Random random, Fixture fixture) {
        this.random = random;
        this.f = fixture;
    }

    List<FuzzCase> generate() {
        trigger();
        batchTrigger();
        streamedBatch();
        streamedBatchItems();
        deployments();
        runs();
        metadata();
        tags();
        runsList();
        packets();
        realtime();
        workerActions();
        headers();
        // Added after every older class so that an old seed still replays its old cases with the same indices.
        invalidUnicode();
        contentTypesAndEncodings();
        fractionalIntegers();
        controlCharactersInPathIds();
        undecodableRequestLines();
        return cases;
    }

    // ---- endpoints -------------------------------------------------------------------------------------------

    private void trigger() {
        String uri = "/api/v1/tasks/fuzz-task/trigger";
        String template = "{\"payload\":{\"name\":\"w" + SLOT + "\"},\"options\":{\"tags\":[\"a\"]}}";
        generic("trigger", uri, template, 3 * 1024 * 1024);
        Function<String, String> withOptions = o -> "{\"payload\":{\"n\":1},\"options\":" + o + "}";
        for (String v : wrongTypes()) {
            for (String field : List.of("maxAttempts", "priority", "maxDuration", "test")) {
                post("trigger options." + field + "=" + abbreviate(v), uri, withOptions.apply("{\"" + field + "\":" + v + "}"));
            }
            if (!v.startsWith("\"")) {
                for (String field : List.of("idempotencyKey", "concurrencyKey", "machine", "lockToVersion", "payloadType",
                        "metadataType", "idempotencyKeyTTL")) {
                    if (random.nextInt(3) == 0) {
                        post("trigger options." + field + "=" + abbreviate(v), uri, withOptions.apply("{\"" + field + "\":" + v + "}"));
                    }
                }
            }
        }
        for (String v : List.of("[]", "[{}]", "42", "true", "{\"name\":{}}", "{\"name\":[1]}", "{\"name\":1}")) {
            post("trigger options.queue=" + v, uri, withOptions.apply("{\"queue\":" + v + "}"));
        }
        for (String v : List.of("{}", "[{}]", "{\"a\":[1]}", "42", "[[]]", "[null]", "true")) {
            post("trigger options.tags=" + v, uri, withOptions.apply("{\"tags\":" + v + "}"));
        }
        for (String v : List.of("{}", "[]", "42", "true")) {
            post("trigger options.delay=" + v, uri, withOptions.apply("{\"delay\":" + v + "}"));
            post("trigger options.ttl=" + v, uri, withOptions.apply("{\"ttl\":" + v + "}")).mustRejectUnless(v.equals("42"));
        }
        post("trigger options array", uri, "{\"payload\":1,\"options\":[]}");
        post("trigger options string", uri, "{\"payload\":1,\"options\":\"o\"}");
        for (String n : List.of("0", "-1", "-2147483648", "2147483648", "1e30", "-1e30", "99999999999999999999", "1e400", digits(1200))) {
            post("trigger maxAttempts=" + abbreviate(n), uri, withOptions.apply("{\"maxAttempts\":" + n + "}"));
        }
        for (String n : List.of("-1", "2147483648", "1e30", "99999999999999999999", digits(1200))) {
            post("trigger maxDuration=" + abbreviate(n), uri, withOptions.apply("{\"maxDuration\":" + n + "}"));
            post("trigger priority=" + abbreviate(n), uri, withOptions.apply("{\"priority\":" + n + "}"))
                    .mustRejectUnless(n.equals("-1"));
        }
        for (String d : BAD_DURATIONS) {
            post("trigger ttl=" + d, uri, withOptions.apply("{\"ttl\":" + quote(d) + "}"));
            post("trigger delay=" + d, uri, withOptions.apply("{\"delay\":" + quote(d) + "}"));
            post("trigger idempotencyKeyTTL=" + d, uri, withOptions.apply("{\"idempotencyKey\":\"k-" + random.nextInt()
                    + "\",\"idempotencyKeyTTL\":" + quote(d) + "}"));
        }
        for (String n : List.of("-1", "1e20", "-99999999999999999999", "1.5")) {
            post("trigger ttl=" + n, uri, withOptions.apply("{\"ttl\":" + n + "}"));
        }
        for (String d : BAD_DATES) {
            post("trigger delay=" + d, uri, withOptions.apply("{\"delay\":" + quote(d) + "}"));
        }
        post("trigger idempotencyKey too long", uri, withOptions.apply("{\"idempotencyKey\":" + quote(letters(2049)) + "}"));
        post("trigger 11 tags", uri, withOptions.apply("{\"tags\":" + stringArray(11, 5) + "}"));
        post("trigger 100k tags", uri, withOptions.apply("{\"tags\":" + stringArray(100_000, 3) + "}"));
        post("trigger tag too long", uri, withOptions.apply("{\"tags\":[" + quote(letters(128)) + "]}"));
        post("trigger payload type store without packet", uri, "{\"payload\":\"no/such/packet\",\"options\":{\"payloadType\":\"application/store\"}}");
        // Values PostgreSQL cannot store (NUL) and oversized identifiers.
        for (String field : List.of("concurrencyKey", "machine", "lockToVersion", "payloadType", "metadataType", "idempotencyKey")) {
            post("trigger NUL in options." + field, uri, withOptions.apply("{\"" + field + "\":\"a\\u0000b\"}"));
            post("trigger huge options." + field, uri, withOptions.apply("{\"" + field + "\":" + quote(letters(100_000)) + "}"));
        }
        post("trigger NUL in string payload", uri, "{\"payload\":\"a\\u0000b\"}");
        post("trigger NUL in tag", uri, withOptions.apply("{\"tags\":[\"a\\u0000\"]}"));
        post("trigger NUL in queue (sanitised away)", uri, withOptions.apply("{\"queue\":{\"name\":\"q\\u0000\"}}")).mayAccept();
        post("trigger huge queue name", uri, withOptions.apply("{\"queue\":{\"name\":" + quote(letters(100_000)) + "}}"));
        post("trigger task id with NUL", "/api/v1/tasks/a%00b/trigger", "{\"payload\":1}");
        post("trigger huge task id", "/api/v1/tasks/" + letters(5000) + "/trigger", "{\"payload\":1}");
        for (String segment : BAD_PATH_SEGMENTS) {
            post("trigger task id " + segment, "/api/v1/tasks/" + segment + "/trigger", "{\"payload\":1}").mayAccept();
        }
        // Accepted (so it must also be readable afterwards): deep but legal nesting, big numbers, odd strings.
        post("trigger payload nested 450", uri, "{\"payload\":" + nested(450, random) + "}").mayAccept();
        post("trigger payload as string nested 20000", uri, "{\"payload\":" + quote(nestedArrays(20_000)) + "}").mayAccept();
        post("trigger payload huge number", uri, "{\"payload\":" + digits(999) + "}").mayAccept();
        post("trigger payload 1e400", uri, "{\"payload\":{\"n\":1e400}}").mayAccept();
        post("trigger payload lone surrogate", uri, "{\"payload\":\"\\uD800\"}").mayAccept();
        bytes("trigger payload overlong utf-8", uri, concat("{\"payload\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[]{(byte) 0xC0, (byte) 0xAF}, "\"}".getBytes(StandardCharsets.UTF_8))).mayAccept();
    }

    private void batchTrigger() {
        String uri = "/api/v1/tasks/batch";
        String template = "{\"items\":[{\"task\":\"fuzz-task\",\"payload\":{\"x\":\"" + SLOT + "\"},\"options\":{\"tags\":[\"a\"]}}]}";
        generic("batch", uri, template, 3 * 1024 * 1024);
        post("batch no items", uri, "{\"items\":[]}");
        post("batch items null", uri, "{\"items\":null}");
        post("batch item null", uri, "{\"items\":[null]}");
        post("batch item task missing", uri, "{\"items\":[{\"payload\":1}]}");
        post("batch item task blank", uri, "{\"items\":[{\"task\":\"  \"}]}");
        post("batch items object", uri, "{\"items\":{\"task\":\"t\"}}");
        post("batch 501 items", uri, "{\"items\":[" + repeat("{\"task\":\"t\"}", 501) + "]}");
        post("batch 100k items", uri, "{\"items\":[" + repeat("{\"task\":\"t\"}", 100_000) + "]}");
        post("batch one bad item among good", uri, "{\"items\":[{\"task\":\"t\"},{\"task\":\"t\",\"options\":{\"maxAttempts\":0}}]}");
        post("batch one bad delay among good", uri, "{\"items\":[{\"task\":\"t\"},{\"task\":\"t\",\"options\":{\"delay\":\"+999999999-12-31T23:59:59Z\"}}]}");
        post("batch NUL in task", uri, "{\"items\":[{\"task\":\"t\"},{\"task\":\"t\\u0000\"}]}");
        for (String v : wrongTypes()) {
            post("batch task=" + abbreviate(v), uri, "{\"items\":[{\"task\":" + (v.startsWith("\"") ? "[" + v + "]" : v) + "}]}");
        }
    }

    private void streamedBatch() {
        String uri = "/api/v3/batches";
        String template = "{\"runCount\":2,\"idempotencyKey\":\"k" + SLOT + "\"}";
        generic("create batch", uri, template, 3 * 1024 * 1024);
        for (String n : List.of("0", "-1", "1001", "2147483648", "1e10", "-1e30", "\"two\"", "null", "{}", "[]", "1.5e3", digits(1500))) {
            post("create batch runCount=" + abbreviate(n), uri, "{\"runCount\":" + n + "}");
        }
        post("create batch no runCount", uri, "{}");
        post("create batch idempotencyKey too long", uri, "{\"runCount\":1,\"idempotencyKey\":" + quote(letters(2049)) + "}");
        post("create batch idempotencyKey NUL", uri, "{\"runCount\":1,\"idempotencyKey\":\"k\\u0000\"}");
        post("create batch 1001 taskIdentifiers", uri, "{\"runCount\":1,\"taskIdentifiers\":" + stringArray(1001, 3) + "}");
        post("create batch taskIdentifiers wrong type", uri, "{\"runCount\":1,\"taskIdentifiers\":[{}]}");
    }

    private void streamedBatchItems() {
        String uri = "/api/v3/batches/" + f.batchId() + "/items";
        int n = f.batchRunCount();
        List<String> badLines = new ArrayList<>(List.of(
                "{\"index\":-1,\"task\":\"t\"}", "{\"index\":" + n + ",\"task\":\"t\"}", "{\"index\":2147483648,\"task\":\"t\"}",
                "{\"index\":1e10,\"task\":\"t\"}", "{\"task\":\"t\"}", "{\"index\":0}", "{\"index\":0,\"task\":\"\"}",
                "{\"index\":0,\"task\":{}}", "{\"index\":{},\"task\":\"t\"}", "null", "[]", "42", "\"line\"",
                "{\"index\":0,\"task\":\"t\",\"options\":{\"maxAttempts\":0}}",
                "{\"index\":0,\"task\":\"t\",\"options\":{\"delay\":\"+999999999-12-31T23:59:59Z\"}}",
                "{\"index\":0,\"task\":\"t\",\"options\":{\"ttl\":\"999999999w\"}}",
                "{\"index\":0,\"task\":\"t\\u0000\"}", "{\"index\":0,\"index\":1,\"task\":\"t\"}",
                "{\"index\":0,\"task\":\"t\",\"payload\":" + nestedArrays(10_000) + "}",
                "{\"index\":0,\"task\":" + quote(letters(10_000)) + "}"));
        for (String s : NOT_JSON) {
            if (!s.isBlank() && !s.contains("\n")) {
                badLines.add(s);
            }
        }
        for (String bad : badLines) {
            // A valid line first: the bad one must fail the whole request, with nothing created.
            String body = "{\"index\":0,\"task\":\"t\",\"payload\":1}\n" + bad + "\n";
            ndjson("items: " + abbreviate(bad), uri, body.getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 6; i++) {
            byte[] line = concat("{\"index\":0,\"task\":\"t\",\"payload\":\"".getBytes(StandardCharsets.UTF_8),
                    INVALID_UTF8[random.nextInt(INVALID_UTF8.length)], "\"}\n".getBytes(StandardCharsets.UTF_8));
            ndjson("items: invalid utf-8 #" + i, uri, line);
        }
        for (int i = 0; i < 6; i++) {
            String line = "{\"index\":0,\"task\":\"t\",\"payload\":{\"a\":[1,2,3]}}";
            ndjson("items: truncated line #" + i, uri, (line.substring(0, 1 + random.nextInt(line.length() - 2)) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        ndjson("items: over the body limit", uri, new byte[3 * 1024 * 1024 + 1]);
        ndjson("items: unknown batch", "/api/v3/batches/batch_nope/items", "{\"index\":0,\"task\":\"t\"}\n".getBytes(StandardCharsets.UTF_8));
        for (String segment : BAD_PATH_SEGMENTS) {
            ndjson("items: batch id " + segment, "/api/v3/batches/" + segment + "/items",
                    "{\"index\":0,\"task\":\"t\"}\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void deployments() {
        String uri = "/api/v1/deployments";
        String template = "{\"version\":\"fz" + SLOT + "\",\"tasks\":[{\"slug\":\"s\",\"ttl\":\"10m\",\"triggerSource\":\"STANDARD\","
                + "\"queue\":{\"name\":\"q\",\"concurrencyLimit\":5}}]}";
        generic("deploy", uri, template, 1024 * 1024);
        Function<String, String> task = t -> "{\"version\":\"v-" + Integer.toHexString(random.nextInt()) + "\",\"tasks\":[" + t + "]}";
        for (String v : List.of("\"BOGUS\"", "\"\"", "42", "{}", "[]", "true", "\"standard\\u0000\"")) {
            post("deploy triggerSource=" + v, uri, task.apply("{\"slug\":\"s\",\"triggerSource\":" + v + "}"));
        }
        for (String v : List.of("-1", "\"abc\"", "2147483648", "1e30", "{}", "[]", digits(1100))) {
            post("deploy concurrencyLimit=" + abbreviate(v), uri, task.apply("{\"slug\":\"s\",\"queue\":{\"name\":\"q\",\"concurrencyLimit\":" + v + "}}"));
        }
        for (String d : BAD_DURATIONS) {
            post("deploy ttl=" + d, uri, task.apply("{\"slug\":\"s\",\"ttl\":" + quote(d) + "}"));
        }
        for (String v : List.of("-1", "{}", "[]", "true", "1e30", "99999999999999999999")) {
            post("deploy ttl=" + v, uri, task.apply("{\"slug\":\"s\",\"ttl\":" + v + "}"));
        }
        post("deploy version too long", uri, "{\"version\":" + quote(letters(129)) + ",\"tasks\":[]}");
        post("deploy version blank", uri, "{\"version\":\"  \",\"tasks\":[]}");
        post("deploy version null", uri, "{\"version\":null,\"tasks\":[]}");
        post("deploy version NUL", uri, "{\"version\":\"v\\u0000\",\"tasks\":[]}");
        post("deploy tasks null", uri, "{\"version\":\"v\",\"tasks\":null}");
        post("deploy task null", uri, "{\"version\":\"v\",\"tasks\":[null]}");
        post("deploy tasks object", uri, "{\"version\":\"v\",\"tasks\":{}}");
        post("deploy 5001 tasks", uri, "{\"version\":\"v\",\"tasks\":[" + repeat("{\"slug\":\"s\"}", 5001) + "]}");
        post("deploy duplicate slug", uri, task.apply("{\"slug\":\"s\"},{\"slug\":\"s\"}"));
        post("deploy slug too long", uri, task.apply("{\"slug\":" + quote(letters(129)) + "}"));
        post("deploy slug NUL", uri, task.apply("{\"slug\":\"s\\u0000\"}"));
        post("deploy slug blank", uri, task.apply("{\"slug\":\"\"}"));
        post("deploy queue name too long", uri, task.apply("{\"slug\":\"s\",\"queue\":{\"name\":" + quote(letters(257)) + "}}"));
        post("deploy queue name NUL (sanitised away)", uri, task.apply("{\"slug\":\"s\",\"queue\":{\"name\":\"q\\u0000\"}}")).mayAccept();
        post("deploy queue string", uri, task.apply("{\"slug\":\"s\",\"queue\":\"q\"}"));
        for (String segment : BAD_PATH_SEGMENTS) {
            send("promote " + segment, "POST", "/api/v1/deployments/" + segment + "/promote", null);
        }
        send("promote unknown", "POST", "/api/v1/deployments/no-such-version/promote", null);
        send("promote huge version", "POST", "/api/v1/deployments/" + letters(10_000) + "/promote", null);
    }

    private void runs() {
        for (String segment : BAD_PATH_SEGMENTS) {
            send("retrieve " + segment, "GET", "/api/v3/runs/" + segment, null);
            send("cancel " + segment, "POST", "/api/v2/runs/" + segment + "/cancel", null);
        }
        for (int i = 0; i < 8; i++) {
            String id = randomSegment();
            send("retrieve random id", "GET", "/api/v3/runs/" + id, null);
            send("cancel random id", "POST", "/api/v2/runs/" + id + "/cancel", null);
        }
        send("retrieve huge id", "GET", "/api/v3/runs/run_" + letters(20_000), null);
        send("retrieve wrong method", "DELETE", "/api/v3/runs/" + f.runId(), null);
        send("cancel wrong method", "GET", "/api/v2/runs/" + f.runId() + "/cancel", null);
    }

    private void metadata() {
        String uri = "/api/v1/runs/" + f.runId() + "/metadata";
        String template = "{\"metadata\":{\"k\":\"v" + SLOT + "\"},\"operations\":[{\"type\":\"set\",\"key\":\"a\",\"value\":1}]}";
        genericPut("metadata", uri, template, 1024 * 1024);
        for (String body : List.of("[]", "\"x\"", "1", "null", "true", "{\"metadata\":[]}", "{\"metadata\":\"s\"}",
                "{\"operations\":{}}", "{\"operations\":\"set\"}", "{\"operations\":[null]}", "{\"operations\":[1]}",
                "{\"operations\":[{}]}", "{\"operations\":[{\"type\":1}]}", "{\"operations\":[{\"type\":\"bogus\",\"key\":\"a\"}]}",
                "{\"operations\":[{\"type\":\"set\",\"value\":1}]}", "{\"operations\":[{\"type\":\"set\",\"key\":\"a\"}]}",
                "{\"operations\":[{\"type\":\"set\",\"key\":\"\",\"value\":1}]}", "{\"operations\":[{\"type\":\"set\",\"key\":\"$.\",\"value\":1}]}",
                "{\"operations\":[{\"type\":\"set\",\"key\":\"$.a..b\",\"value\":1}]}", "{\"operations\":[{\"type\":\"set\",\"key\":{},\"value\":1}]}",
                "{\"operations\":[{\"type\":\"increment\",\"key\":\"n\",\"value\":\"1\"}]}",
                "{\"operations\":[{\"type\":\"increment\",\"key\":\"n\",\"value\":1e400}]}",
                "{\"operations\":[{\"type\":\"increment\",\"key\":\"n\",\"value\":-1e400}]}",
                "{\"operations\":[{\"type\":\"update\",\"value\":[]}]}", "{\"operations\":[{\"type\":\"append\",\"key\":\"a\"}]}",
                "{\"operations\":[{\"type\":\"set\",\"key\":\"a\",\"value\":1},{\"type\":\"nope\"}]}",
                "{\"metadata\":{\"big\":" + quote(letters(300_000)) + "}}",
                "{\"operations\":[{\"type\":\"set\",\"key\":\"" + "$" + ".a".repeat(600) + "\",\"value\":1}]}",
                "{\"operations\":[" + repeat("{\"type\":\"append\",\"key\":\"l\",\"value\":" + quote(letters(100)) + "}", 6000) + "]}",
                "{\"metadata\":{\"a\":1},\"metadata\":{\"b\":2}}")) {
            put("metadata " + abbreviate(body), uri, body);
        }
        for (String segment : BAD_PATH_SEGMENTS) {
            put("metadata run " + segment, "/api/v1/runs/" + segment + "/metadata", "{\"metadata\":{}}");
        }
        // May be accepted; must stay readable and never 5xx.
        put("metadata nested 480", uri, "{\"metadata\":{\"deep\":" + nested(480, random) + "}}").mayAccept();
        put("metadata path 200 deep", uri, "{\"operations\":[{\"type\":\"set\",\"key\":\"" + "$" + ".d".repeat(200)
                + "\",\"value\":1}]}").mayAccept();
        put("metadata NUL string", uri, "{\"metadata\":{\"s\":\"a\\u0000b\"}}").mayAccept();
        put("metadata increment 1e308 twice", uri, "{\"operations\":[{\"type\":\"increment\",\"key\":\"big\",\"value\":1e308},"
                + "{\"type\":\"increment\",\"key\":\"big\",\"value\":1e308}]}").mayAccept();
        put("metadata increment huge integer", uri, "{\"operations\":[{\"type\":\"increment\",\"key\":\"bi\",\"value\":" + digits(900) + "}]}").mayAccept();
    }

    private void tags() {
        String uri = "/api/v1/runs/" + f.runId() + "/tags";
        String template = "{\"tags\":[\"t" + SLOT + "\"]}";
        generic("tags", uri, template, 1024 * 1024);
        for (String body : List.of("{}", "[]", "null", "{\"tags\":null}", "{\"tags\":1}", "{\"tags\":{}}", "{\"tags\":[1]}",
                "{\"tags\":[null]}", "{\"tags\":[\"\"]}", "{\"tags\":[\"  \"]}", "{\"tags\":[[\"a\"]]}",
                "{\"tags\":" + quote(letters(129)) + "}", "{\"tags\":" + stringArray(11, 6) + "}",
                "{\"tags\":" + stringArray(100_000, 4) + "}", "{\"tags\":[\"a\\u0000\"]}")) {
            post("tags " + abbreviate(body), uri, body);
        }
        for (String segment : BAD_PATH_SEGMENTS) {
            post("tags run " + segment, "/api/v1/runs/" + segment + "/tags", "{\"tags\":[\"a\"]}");
        }
    }

    private void runsList() {
        List<String> queries = new ArrayList<>(List.of(
                "page[size]=0", "page[size]=-1", "page[size]=101", "page[size]=abc", "page[size]=1e2", "page[size]=99999999999",
                "page[size]=1&page[size]=2", "page[size]=%00", "filter[status]=BOGUS", "filter[status]=COMPLETED,NOPE",
                "filter[source]=MANUAL", "filter[createdAt][from]=abc", "filter[createdAt][from]=-1",
                "filter[createdAt][from]=1234567890123456", "filter[createdAt][to]=99999999999999999999",
                "filter[createdAt][from]=2000&filter[createdAt][to]=1000", "filter[createdAt][period]=999999w",
                "filter[createdAt][period]=999999d", "filter[createdAt][period]=10", "filter[createdAt][period]=-5m",
                "filter[createdAt][period]=1h&filter[createdAt][from]=1", "filter[isTest]=maybe", "filter[foo]=1",
                "page[after]=x&page[before]=y", "page[after]=%FF%FE", "page[foo]=1",
                "filter[tag]=" + uniqueList(51),
                "filter[taskIdentifier]=" + letters(257), "filter[tag]=a%00b", "filter[taskIdentifier]=a%00"));
        for (long micros : List.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 253_402_300_800_000_000L, -62_135_596_800_000_001L)) {
            queries.add("page[after]=" + cursor("1:" + micros + ":abc"));
            queries.add("page[before]=" + cursor("1:" + micros + ":abc"));
        }
        for (int i = 0; i < 10; i++) {
            queries.add("page[after]=" + cursor(randomText(1 + random.nextInt(60))));
            queries.add("page[before]=" + randomSegment());
        }
        queries.add("page[after]=" + cursor("1:1:" + letters(65)));
        queries.add("page[after]=" + cursor("2:1:abc"));
        for (String q : queries) {
            send("runs list " + abbreviate(q), "GET", "/api/v1/runs?" + q, null);
        }
    }

    private void packets() {
        for (String path : List.of("..", "a%2F..%2Fb", "a%01b", "%00", letters(1025), "%20%20")) {
            send("packet presign " + abbreviate(path), "PUT", "/api/v2/packets/" + path, null);
            send("packet presign download " + abbreviate(path), "GET", "/api/v2/packets/" + path, null);
        }
        List<String> tokens = new ArrayList<>(List.of(
                "x", ".", "a.", ".b", "a.b", letters(9000) + ".x", f.downloadToken(), "%00.%00",
                f.uploadToken().substring(0, f.uploadToken().length() - 3),
                flip(f.uploadToken()), flip(f.uploadToken()), flip(f.uploadToken()),
                f.uploadToken().replace('.', '_'), cursor("PUT|env|9223372036854775807|p") + "." + cursor("sig"),
                cursor("PUT|env|notanumber|p") + ".AAAA"));
        for (String token : tokens) {
            FuzzCase.Builder upload = FuzzCase.request("packet upload token " + abbreviate(token), "PUT", "/packets/v1/" + token)
                    .bytes("{}".getBytes(StandardCharsets.UTF_8));
            cases.add(upload.build());
            cases.add(FuzzCase.request("packet download token " + abbreviate(token), "GET",
                    "/packets/v1/" + (token.equals(f.downloadToken()) ? f.uploadToken() : token)).build());
        }
        FuzzCase.Builder tooBig = FuzzCase.request("packet upload over the packet limit", "PUT", "/packets/v1/" + f.uploadToken())
                .bytes(new byte[10 * 1024 * 1024 + 1]);
        cases.add(tooBig.build());
    }

    private void realtime() {
        String auth = "Bearer " + f.secretKey();
        for (String q : List.of("createdAfter=99999999999999999999d", "createdAfter=abc", "createdAfter=-5h",
                "createdAfter=99999999999999999999", "createdAfter=%2B1000000000-01-01T00:00:00Z",
                "createdAfter=%2B20000-01-01T00:00:00Z", "createdAfter=9999999999999999",
                "createdAfter=999999999999w", "tags=" + uniqueList(11))) {
            cases.add(FuzzCase.request("realtime runs " + abbreviate(q), "GET", "/realtime/v1/runs?" + q)
                    .header("Authorization", auth).header("Accept", "text/event-stream").build());
        }
        for (String lastEventId : List.of("abc", "99999999999999999999", "1.5", "-", "-9223372036854775808", "-1")) {
            // Last-Event-ID is the SSE format's resume header (the shape protocol resumes by handle/offset instead).
            cases.add(FuzzCase.request("realtime last-event-id " + lastEventId, "GET", "/realtime/v1/runs?tags=x")
                    .header("Authorization", auth).header("Accept", "text/event-stream")
                    .header("Last-Event-ID", lastEventId).build());
            cases.add(FuzzCase.request("realtime batch last-event-id " + lastEventId, "GET", "/realtime/v1/batches/batch_x")
                    .header("Authorization", auth).header("Accept", "text/event-stream")
                    .header("Last-Event-ID", lastEventId).build());
        }
        for (String segment : BAD_PATH_SEGMENTS) {
            cases.add(FuzzCase.request("realtime run " + segment, "GET", "/realtime/v1/runs/" + segment)
                    .header("Authorization", auth).build());
        }
        for (String token : List.of("", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", letters(8000))) {
            cases.add(FuzzCase.request("realtime bad token " + abbreviate(token), "GET", "/realtime/v1/runs/" + f.runId())
                    .header("Authorization", "Bearer " + token).build());
        }
    }

    private void workerActions() {
        String base = "/engine/v1/worker-actions";
        String run = base + "/runs/" + f.runId() + "/snapshots/" + f.snapshotId();
        for (String body : List.of("{\"maxRuns\":0}", "{\"maxRuns\":-1}", "{\"maxRuns\":51}", "{\"maxRuns\":2147483648}",
                "{\"maxRuns\":\"x\"}", "{\"maxRuns\":{}}", "{\"maxRuns\":1e12}", "[]", "\"x\"", "{\"maxRuns\":" + digits(1100) + "}")) {
            worker("dequeue " + abbreviate(body), base + "/dequeue", body);
        }
        for (String body : List.of("{}", "null", "[]", "{\"completion\":null}", "{\"completion\":{}}", "{\"completion\":[]}",
                "{\"completion\":{\"ok\":\"maybe\"}}", "{\"completion\":{\"ok\":null}}", "{\"completion\":{\"ok\":1}}",
                "{\"completion\":\"done\"}")) {
            worker("complete " + abbreviate(body), run + "/attempts/complete", body);
        }
        // Well-formed reports on a snapshot that does not allow them (the run is QUEUED): a 409, nothing changes.
        worker("complete on queued snapshot", run + "/attempts/complete", "{\"completion\":{\"ok\":true,\"output\":\"a\\u0000\"}}");
        worker("complete failure on queued snapshot", run + "/attempts/complete",
                "{\"completion\":{\"ok\":false,\"error\":{\"message\":" + quote(letters(50_000)) + "}}}");
        worker("start on queued snapshot", run + "/attempts/start", null);
        worker("heartbeat on queued snapshot", run + "/heartbeat", null);
        for (String segment : BAD_PATH_SEGMENTS) {
            worker("start run " + segment, base + "/runs/" + segment + "/snapshots/" + segment + "/attempts/start", null);
            worker("heartbeat snapshot " + segment, base + "/runs/" + f.runId() + "/snapshots/" + segment + "/heartbeat", null);
            cases.add(FuzzCase.request("snapshots since " + segment, "GET", base + "/runs/" + f.runId() + "/snapshots/since/" + segment)
                    .header("Authorization", "Bearer " + f.workerToken()).build());
        }
        generic("complete", run + "/attempts/complete", "{\"completion\":{\"ok\":true,\"output\":\"o" + SLOT + "\"}}",
                1024 * 1024, "Bearer " + f.workerToken(), "POST");
        cases.add(FuzzCase.request("runner endpoint with a secret key", "POST", base + "/dequeue")
                .header("Authorization", "Bearer " + f.secretKey()).json("{\"maxRuns\":1}").build());
        cases.add(FuzzCase.request("public endpoint with a worker token", "GET", "/api/v3/runs/" + f.runId())
                .header("Authorization", "Bearer " + f.workerToken()).build());
    }

    private void headers() {
        String uri = "/api/v1/tasks/fuzz-task/trigger";
        String body = "{\"payload\":1}";
        cases.add(authed("idempotency-key header too long", "POST", uri).json(body)
                .header("idempotency-key", letters(2049)).build());
        cases.add(authed("idempotency-key-ttl header bad", "POST", uri).json(body)
                .header("idempotency-key", "k" + random.nextInt()).header("idempotency-key-ttl", "forever").build());
        cases.add(authed("idempotency-key-ttl header huge", "POST", uri).json(body)
                .header("idempotency-key", "k" + random.nextInt()).header("idempotency-key-ttl", "999999999w").build());
        for (String auth : List.of("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + letters(10_000),
                "Bearer tr_dev_" + randomText(20), "bearer\u0000x")) {
            cases.add(FuzzCase.request("authorization " + abbreviate(auth), "POST", uri).header("Authorization", auth)
                    .json(body).build());
        }
        for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/json; charset=bogus-charset", "garbage")) {
            cases.add(authed("content-type " + type, "POST", uri).json(body).header("Content-Type", type).build());
        }
        // Lenient but harmless: Jackson detects the body's real encoding; empty parameters are skipped.
        for (String type : List.of("application/json; charset=UTF-32", "application/json;;;")) {
            cases.add(authed("content-type " + type, "POST", uri).json(body).header("Content-Type", type).mayAccept().build());
        }
        FuzzCase.Builder noType = authed("no content-type", "POST", uri);
        cases.add(new FuzzCase(noType.build().name(), "POST", uri, java.util.Map.of("Authorization", "Bearer " + f.secretKey()),
                body.getBytes(StandardCharsets.UTF_8), true));
        for (String accept : List.of("application/xml", "text/plain", "image/png")) {
            cases.add(authed("accept " + accept + " on an error", "POST", uri).json("{").header("Accept", accept).build());
        }
        cases.add(authed("unknown route", "GET", "/api/v9/nope").build());
        cases.add(authed("wrong method on trigger", "GET", uri).build());
        cases.add(authed("x-trigger-worker-environment-id huge", "POST", "/engine/v1/worker-actions/dequeue")
                .header("Authorization", "Bearer " + f.workerToken()).header("x-trigger-worker-environment-id", letters(8000))
                .json("{\"maxRuns\":0}").build());
    }

    // ---- fidelity classes (issue #20, #15) --------------------------------------------------------------------

    /** A lone surrogate, escaped in JSON; {@code \\ud800\\udc00}-style pairs are the only valid use. */
    private String loneSurrogate() {
        return switch (random.nextInt(5)) {
            case 0 -> "\\ud800";
            case 1 -> "\\udfff";
            case 2 -> "\\udbff\\u0041";
            case 3 -> "\\udc00\\ud800";
            default -> "\\ud83d\\\\ude00";
        };
    }

    private void invalidUnicode() {
        String trigger = "/api/v1/tasks/fuzz-task/trigger";
        Function<String, String> options = o -> "{\"payload\":{\"n\":1},\"options\":" + o + "}";
        for (String field : List.of("idempotencyKey", "concurrencyKey", "machine", "lockToVersion", "payloadType",
                "metadataType", "idempotencyKeyTTL", "delay", "ttl")) {
            post("unicode: options." + field, trigger, options.apply("{\"" + field + "\":\"k" + loneSurrogate() + "\"}"));
        }
        post("unicode: payload string", trigger, "{\"payload\":\"p" + loneSurrogate() + "\"}");
        post("unicode: payload key", trigger, "{\"payload\":{\"" + loneSurrogate() + "\":1}}");
        post("unicode: payload nested", trigger, "{\"payload\":{\"a\":[{\"b\":\"" + loneSurrogate() + "\"}]}}");
        post("unicode: tags", trigger, options.apply("{\"tags\":[\"t" + loneSurrogate() + "\"]}"));
        post("unicode: metadata key", trigger, options.apply("{\"metadata\":{\"" + loneSurrogate() + "\":1}}"));
        post("unicode: metadata value", trigger, options.apply("{\"metadata\":{\"m\":\"" + loneSurrogate() + "\"}}"));
        post("unicode: queue name", trigger, options.apply("{\"queue\":{\"name\":\"q" + loneSurrogate() + "\"}}"));
        post("unicode: unknown field", trigger, "{\"payload\":1,\"extra\":\"" + loneSurrogate() + "\"}");
        post("unicode: batch item", "/api/v1/tasks/batch", "{\"items\":[{\"task\":\"fuzz-task\",\"payload\":\""
                + loneSurrogate() + "\"}]}");
        post("unicode: create batch key", "/api/v3/batches", "{\"runCount\":1,\"idempotencyKey\":\"" + loneSurrogate() + "\"}");
        post("unicode: create batch task ids", "/api/v3/batches", "{\"runCount\":1,\"taskIdentifiers\":[\""
                + loneSurrogate() + "\"]}");
        ndjson("unicode: items task", "/api/v3/batches/" + f.batchId() + "/items",
                ("{\"index\":0,\"task\":\"t" + loneSurrogate() + "\"}\n").getBytes(StandardCharsets.UTF_8));
        ndjson("unicode: items payload", "/api/v3/batches/" + f.batchId() + "/items",
                ("{\"index\":0,\"task\":\"fuzz-task\",\"payload\":\"" + loneSurrogate() + "\"}\n").getBytes(StandardCharsets.UTF_8));
        post("unicode: tags endpoint", "/api/v1/runs/" + f.runId() + "/tags", "{\"tags\":[\"" + loneSurrogate() + "\"]}");
        put("unicode: metadata endpoint", "/api/v1/runs/" + f.runId() + "/metadata",
                "{\"operations\":[{\"type\":\"set\",\"key\":\"k" + loneSurrogate() + "\",\"value\":1}]}");
        post("unicode: deploy version", "/api/v1/deployments", "{\"version\":\"v" + loneSurrogate()
                + "\",\"tasks\":[{\"slug\":\"s\"}]}");
        post("unicode: deploy queue", "/api/v1/deployments", "{\"version\":\"v-" + Integer.toHexString(random.nextInt())
                + "\",\"tasks\":[{\"slug\":\"s\",\"queue\":{\"name\":\"" + loneSurrogate() + "\"}}]}");
        worker("unicode: attempt completion", "/engine/v1/worker-actions/runs/" + f.runId() + "/snapshots/"
                + f.snapshotId() + "/attempts/complete", "{\"completion\":{\"ok\":true,\"output\":\"" + loneSurrogate() + "\"}}");
        for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF})) {
            bytes("unicode: non-strict UTF-8 " + hex(bad), trigger, concat("{\"payload\":\"".getBytes(StandardCharsets.UTF_8),
                    bad, "\"}".getBytes(StandardCharsets.UTF_8)));
        }
        // A proper pair is fine and must round-trip (the accepted run is read back by the test).
        post("unicode: surrogate pair", trigger, "{\"payload\":\"\\ud83d\\ude00\"}").mayAccept();
    }

    private void contentTypesAndEncodings() {
        List<String[]> endpoints = List.of(
                new String[] {"POST", "/api/v1/tasks/fuzz-task/trigger", "{\"payload\":1}"},
                new String[] {"POST", "/api/v1/runs/" + f.runId() + "/tags", "{\"tags\":[\"ct\"]}"},
                new String[] {"PUT", "/api/v1/runs/" + f.runId() + "/metadata", "{\"metadata\":{\"ct\":1}}"},
                new String[] {"POST", "/api/v1/deployments", "{\"version\":\"ct\",\"tasks\":[{\"slug\":\"s\"}]}"},
                new String[] {"POST", "/api/v3/batches", "{\"runCount\":1}"},
                new String[] {"POST", "/api/v1/tasks/batch", "{\"items\":[{\"task\":\"fuzz-task\"}]}"});
        for (String[] e : endpoints) {
            for (String type : List.of("*/*", "application/*", "*/*; q=0.5", "*/json", "application/json; charset=iso-8859-1",
                    "application/json; charset=utf-16", "application/json; charset=bogus",
                    "application/json; =", "application/json; a=\"unterminated", "/json")) {
                cases.add(authed("content-type " + type + " on " + e[0] + " " + e[1], e[0], e[1]).header("Content-Type", type)
                        .json(e[2]).build());
            }
            for (String type : List.of("application/json; charset=utf-8", "application/json;charset=\"UTF-8\"",
                    "application/json; foo=bar", "APPLICATION/JSON")) {
                cases.add(authed("content-type " + type + " on " + e[0] + " " + e[1], e[0], e[1]).header("Content-Type", type)
                        .json(e[2]).mayAccept().build());
            }
            for (String encoding : List.of("gzip", "br", "deflate", "compress", "x-unknown", "gzip, identity", "identity, gzip")) {
                cases.add(authed("content-encoding " + encoding + " on " + e[0] + " " + e[1], e[0], e[1])
                        .header("Content-Encoding", encoding).json(e[2]).build());
            }
        }
        // Cancel has no body but carries a type (the SDK sends application/json): an unusable one is refused too.
        for (String type : List.of("*/*", "application/*", "application/json; charset=latin1")) {
            cases.add(authed("content-type " + type + " on cancel", "POST", "/api/v2/runs/" + f.runId() + "/cancel")
                    .header("Content-Type", type).build());
        }
        for (String encoding : List.of("gzip", "x-unknown")) {
            cases.add(authed("content-encoding " + encoding + " on items", "POST", "/api/v3/batches/" + f.batchId() + "/items")
                    .header("Content-Type", "application/x-ndjson").header("Content-Encoding", encoding)
                    .bytes("{\"index\":0,\"task\":\"fuzz-task\"}\n".getBytes(StandardCharsets.UTF_8)).build());
        }
        for (String uri : List.of("/api/v3/runs/" + f.runId(), "/api/v1/runs?page[size]=1".replace("[", "%5B").replace("]", "%5D"))) {
            cases.add(authed("content-type */* on GET " + uri, "GET", uri).header("Content-Type", "*/*").mayAccept().build());
        }
    }

    private void fractionalIntegers() {
        String trigger = "/api/v1/tasks/fuzz-task/trigger";
        for (String n : List.of("1.5", "2.0", "\"1\"", "\"\"", "1e0", "0.5")) {
            for (String field : List.of("maxAttempts", "priority", "maxDuration")) {
                // priority is a number of seconds, fractions included (the SDK's z.number()).
                post("integer " + field + "=" + n, trigger, "{\"payload\":1,\"options\":{\"" + field + "\":" + n + "}}")
                        .mustRejectUnless(field.equals("priority") && !n.startsWith("\""));
            }
            post("integer runCount=" + n, "/api/v3/batches", "{\"runCount\":" + n + "}");
            ndjson("integer index=" + n, "/api/v3/batches/" + f.batchId() + "/items",
                    ("{\"index\":" + n + ",\"task\":\"fuzz-task\"}\n").getBytes(StandardCharsets.UTF_8));
            post("integer concurrencyLimit=" + n, "/api/v1/deployments", "{\"version\":\"v-" + Integer.toHexString(random.nextInt())
                    + "\",\"tasks\":[{\"slug\":\"s\",\"queue\":{\"name\":\"q\",\"concurrencyLimit\":" + n + "}}]}");
            worker("integer dequeue maxRuns=" + n, "/engine/v1/worker-actions/dequeue", "{\"maxRuns\":" + n + "}");
        }
        for (String queue : List.of("{\"name\":\"\"}", "{\"name\":\"  \"}", "{\"name\":\"%%%\"}", "\"\"")) {
            post("queue " + queue, trigger, "{\"payload\":1,\"options\":{\"queue\":" + queue + "}}");
        }
        for (String metadata : List.of("\"str\"", "42", "[1]", nestedObjects(101), nestedObjects(150))) {
            post("trigger metadata " + abbreviate(metadata), trigger, "{\"payload\":1,\"options\":{\"metadata\":" + metadata + "}}");
        }
    }

    private static String nestedObjects(int levels) {
        return "{\"k\":".repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
    }

    private void controlCharactersInPathIds() {
        for (String control : List.of("%0D%0A", "%00", "%09", "%0A", "%1B", "%7F", "%0D")) {
            String id = "x" + control + "y";
            post("control in task id " + control, "/api/v1/tasks/" + id + "/trigger", "{\"payload\":1}");
            post("control in nested task id " + control, "/api/v1/tasks/folder%2F" + id + "/trigger", "{\"payload\":1}");
            send("control in run id " + control, "GET", "/api/v3/runs/run_" + id, null);
            send("control in cancel id " + control, "POST", "/api/v2/runs/run_" + id + "/cancel", null);
            post("control in tags id " + control, "/api/v1/runs/run_" + id + "/tags", "{\"tags\":[\"a\"]}");
            ndjson("control in batch id " + control, "/api/v3/batches/batch_" + id + "/items",
                    "{\"index\":0,\"task\":\"fuzz-task\"}\n".getBytes(StandardCharsets.UTF_8));
            send("control in version " + control, "POST", "/api/v1/deployments/" + id + "/promote", null);
            send("control in packet path " + control, "PUT", "/api/v2/packets/" + id, null);
            cases.add(authed("control in realtime run id " + control, "GET", "/realtime/v1/runs/run_" + id).build());
            worker("control in runner run id " + control, "/engine/v1/worker-actions/runs/run_" + id + "/snapshots/"
                    + f.snapshotId() + "/heartbeat", null);
        }
        for (String id : List.of("..%2F..%2Factuator", "..", ".", "a%2F%2Fb", "%2Fa", "a%20b", "a%3Cb%3E", "a%22b")) {
            post("task id " + id, "/api/v1/tasks/" + id + "/trigger", "{\"payload\":1}");
        }
        post("task id in batch item ../x", "/api/v1/tasks/batch", "{\"items\":[{\"task\":\"../x\"}]}");
        ndjson("task id in streamed item a b", "/api/v3/batches/" + f.batchId() + "/items",
                "{\"index\":0,\"task\":\"a b\"}\n".getBytes(StandardCharsets.UTF_8));
        post("deploy slug ../x", "/api/v1/deployments", "{\"version\":\"v-" + Integer.toHexString(random.nextInt())
                + "\",\"tasks\":[{\"slug\":\"../x\"}]}");
    }

    /** Raw request targets that no URI parser accepts: the test sets them on the request as they are. */
    private void undecodableRequestLines() {
        List<String[]> routes = List.of(
                new String[] {"GET", "/api/v1/runs"}, new String[] {"GET", "/api/v3/runs/" + f.runId()},
                new String[] {"POST", "/api/v2/runs/" + f.runId() + "/cancel"},
                new String[] {"POST", "/api/v1/tasks/fuzz-task/trigger"}, new String[] {"POST", "/api/v1/tasks/batch"},
                new String[] {"POST", "/api/v3/batches"}, new String[] {"POST", "/api/v3/batches/" + f.batchId() + "/items"},
                new String[] {"PUT", "/api/v1/runs/" + f.runId() + "/metadata"}, new String[] {"POST", "/api/v1/runs/" + f.runId() + "/tags"},
                new String[] {"POST", "/api/v1/deployments"}, new String[] {"POST", "/api/v1/deployments/1/promote"},
                new String[] {"PUT", "/api/v2/packets/fuzz-q.json"}, new String[] {"GET", "/api/v2/packets/fuzz-p.json"},
                new String[] {"PUT", "/packets/v1/" + f.uploadToken()}, new String[] {"GET", "/packets/v1/" + f.downloadToken()},
                new String[] {"GET", "/realtime/v1/runs/" + f.runId()}, new String[] {"GET", "/realtime/v1/runs"},
                new String[] {"GET", "/realtime/v1/batches/" + f.batchId()},
                new String[] {"GET", "/engine/v1/worker-actions/runs/" + f.runId() + "/snapshots/since/" + f.snapshotId()});
        for (String[] route : routes) {
            String query = List.of("page[after]=%%%%", "x=%", "x=%zz", "x=%FF", "x=%ED%A0%80", "x=a%00b", "%=%")
                    .get(random.nextInt(7));
            cases.add(authed("undecodable query " + query + " on " + route[0] + " " + route[1], route[0], route[1] + "?" + query)
                    .json("{}").build());
            // Segments no URI parser accepts ("%%", "%zz") cannot pass MockMvc's own path decoding; Tomcat refuses
            // them before any filter, which UndecodableRequestTest checks over a real connection on every route.
            int slash = route[1].lastIndexOf('/');
            String segment = List.of("%FF%FE", "%C0%AF", "%ED%A0%80", "%F4%90%80%80").get(random.nextInt(4));
            String path = route[1].substring(0, slash + 1) + segment + route[1].substring(slash + 1);
            cases.add(authed("undecodable path " + path, route[0], path).json("{}").build());
        }
    }

    // ---- generic body mutations ------------------------------------------------------------------------------

    private void generic(String label, String uri, String template, int bodyLimit) {
        generic(label, uri, template, bodyLimit, "Bearer " + f.secretKey(), "POST");
    }

    private void genericPut(String label, String uri, String template, int bodyLimit) {
        generic(label, uri, template, bodyLimit, "Bearer " + f.secretKey(), "PUT");
    }

    private void generic(String label, String uri, String template, int bodyLimit, String auth, String method) {
        String valid = template.replace(SLOT, "");
        for (int i = 0; i < 8; i++) {
            int cut = 1 + random.nextInt(valid.length() - 1);
            String truncated = valid.substring(0, cut);
            if (!parses(truncated)) {
                add(label + " truncated at " + cut, method, uri, auth, truncated.getBytes(StandardCharsets.UTF_8), true);
            }
        }
        for (int i = 0; i < 5; i++) {
            byte[] invalid = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
            String[] parts = template.split(SLOT, 2);
            add(label + " invalid utf-8 " + hex(invalid), method, uri, auth, concat(parts[0].getBytes(StandardCharsets.UTF_8),
                    invalid, parts[1].getBytes(StandardCharsets.UTF_8)), true);
        }
        for (int i = 0; i < 3; i++) {
            int depth = 501 + random.nextInt(10_000);
            add(label + " nested " + depth, method, uri, auth,
                    ("{\"payload\":" + nested(depth, random) + "," + valid.substring(1)).getBytes(StandardCharsets.UTF_8), true);
        }
        add(label + " nested 10000 arrays", method, uri, auth, nestedArrays(10_000).getBytes(StandardCharsets.UTF_8), true);
        String firstKey = valid.substring(0, valid.indexOf(':') + 1);
        add(label + " duplicate key", method, uri, auth,
                (firstKey + "null," + valid.substring(1)).getBytes(StandardCharsets.UTF_8), true);
        for (int i = 0; i < 4; i++) {
            String junk = NOT_JSON[random.nextInt(NOT_JSON.length)];
            add(label + " not json " + abbreviate(junk), method, uri, auth, junk.getBytes(StandardCharsets.UTF_8), true);
        }
        for (int i = 0; i < 3; i++) {
            add(label + " random bytes #" + i, method, uri, auth, randomBytes(1 + random.nextInt(200)), true);
        }
        for (String top : List.of("null", "[]", "\"s\"", "42", "true", "")) {
            add(label + " top-level " + (top.isEmpty() ? "empty" : top), method, uri, auth,
                    top.getBytes(StandardCharsets.UTF_8), true);
        }
        add(label + " trailing garbage", method, uri, auth, (valid + " {}").getBytes(StandardCharsets.UTF_8), true);
        add(label + " long number", method, uri, auth,
                ("{\"n\":" + digits(1500) + "," + valid.substring(1)).getBytes(StandardCharsets.UTF_8), true);
        add(label + " long name", method, uri, auth,
                ("{" + quote(letters(60_000)) + ":1," + valid.substring(1)).getBytes(StandardCharsets.UTF_8), true);
        byte[] oversized = new byte[bodyLimit + 1];
        java.util.Arrays.fill(oversized, (byte) ' ');
        System.arraycopy(valid.getBytes(StandardCharsets.UTF_8), 0, oversized, 0, valid.length());
        add(label + " body over the limit", method, uri, auth, oversized, true);
        // Trailing whitespace, an extra unknown field: fine either way, but never a 5xx.
        add(label + " unknown field", method, uri, auth,
                ("{\"zzUnknown\":{\"a\":[1]}," + valid.substring(1)).getBytes(StandardCharsets.UTF_8), false);
    }

    private boolean parses(String text) {
        try {
            strict.readTree(text);
            return true;
        } catch (JacksonException e) {
            return false;
        }
    }

    // ---- case builders ---------------------------------------------------------------------------------------

    /** Lets a case be downgraded after the fact ({@code post(...).mayAccept()}). */
    final class Added {
        private final int index;

        Added(int index) {
            this.index = index;
        }

        void mayAccept() {
            FuzzCase c = cases.get(index);
            cases.set(index, new FuzzCase(c.name(), c.method(), c.uri(), c.headers(), c.body(), false));
        }

        void mustRejectUnless(boolean acceptable) {
            if (acceptable) {
                mayAccept();
            }
        }
    }

    private Added add(String name, String method, String uri, String auth, byte[] body, boolean mustReject) {
        FuzzCase.Builder builder = FuzzCase.request(name, method, uri).header("Authorization", auth);
        if (body != null) {
            builder.bytes(body);
        }
        if (!mustReject) {
            builder.mayAccept();
        }
        cases.add(builder.build());
        return new Added(cases.size() - 1);
    }

    private Added post(String name, String uri, String body) {
        return add(name, "POST", uri, "Bearer " + f.secretKey(), body.getBytes(StandardCharsets.UTF_8), true);
    }

    private Added put(String name, String uri, String body) {
        return add(name, "PUT", uri, "Bearer " + f.secretKey(), body.getBytes(StandardCharsets.UTF_8), true);
    }

    private Added bytes(String name, String uri, byte[] body) {
        return add(name, "POST", uri, "Bearer " + f.secretKey(), body, true);
    }

    private Added send(String name, String method, String uri, String body) {
        return add(name, method, uri, "Bearer " + f.secretKey(), body == null ? null : body.getBytes(StandardCharsets.UTF_8), true);
    }

    private Added worker(String name, String uri, String body) {
        FuzzCase.Builder builder = FuzzCase.request(name, "POST", uri).header("Authorization", "Bearer " + f.workerToken())
                // Scoped to an environment that does not exist: a dequeue that slipped through claims nothing.
                .header("x-trigger-worker-environment-id", "env_fuzz_nowhere");
        if (body != null) {
            builder.json(body);
        }
        cases.add(builder.build());
        return new Added(cases.size() - 1);
    }

    private void ndjson(String name, String uri, byte[] body) {
        cases.add(FuzzCase.request(name, "POST", uri).header("Authorization", "Bearer " + f.secretKey())
                .header("Content-Type", "application/x-ndjson").bytes(body).build());
    }

    private FuzzCase.Builder authed(String name, String method, String uri) {
        return FuzzCase.request(name, method, uri).header("Authorization", "Bearer " + f.secretKey());
    }

    // ---- value generators ------------------------------------------------------------------------------------

    private List<String> wrongTypes() {
        return List.of("{}", "[]", "[{}]", "{\"a\":[1]}", "\"x" + randomText(8) + "\"", nestedArrays(50));
    }

    /** Mixed objects and arrays {@code depth} levels deep. */
    static String nested(int depth, Random random) {
        StringBuilder open = new StringBuilder(depth * 6);
        StringBuilder close = new StringBuilder(depth);
        for (int i = 0; i < depth; i++) {
            if (random.nextBoolean()) {
                open.append("{\"k\":");
                close.append('}');
            } else {
                open.append('[');
                close.append(']');
            }
        }
        return open.append('1').append(close.reverse()).toString();
    }

    static String nestedArrays(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private String letters(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }

    private String digits(int n) {
        StringBuilder sb = new StringBuilder(n).append((char) ('1' + random.nextInt(9)));
        for (int i = 1; i < n; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        return sb.toString();
    }

    /** Printable text without quotes or backslashes (safe inside a JSON string). */
    private String randomText(int n) {
        String alphabet = "abcXYZ019_-.~ !$&()*+,;=:@{}[]<>|^`äöü€漢";
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private String randomSegment() {
        return URLEncoder.encode(randomText(1 + random.nextInt(40)), StandardCharsets.UTF_8).replace("+", "%20");
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private String stringArray(int count, int length) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(i).append(letters(length)).append('"');
        }
        return sb.append(']').toString();
    }

    private String uniqueList(int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append("t").append(i);
        }
        return sb.toString();
    }

    private String flip(String token) {
        char[] chars = token.toCharArray();
        int i = random.nextInt(chars.length);
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        return new String(chars);
    }

    private static String cursor(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\u0000", "\\u0000") + "\"";
    }

    private static String repeat(String element, int count) {
        return String.join(",", java.util.Collections.nCopies(count, element));
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n").replace("\u0000", "\\0");
        return oneLine.length() > 60 ? oneLine.substring(0, 60) + "…(" + s.length() + ")" : oneLine;
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02X", b));
        }
        return sb.toString();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
