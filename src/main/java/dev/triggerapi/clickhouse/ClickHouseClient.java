package dev.triggerapi.clickhouse;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small client for ClickHouse's HTTP interface over Spring's {@link RestClient}.
 *
 * <p>Plain HTTP because it is what works against both the Debian ClickHouse 18.16 of the build machines and
 * current releases: the official Java clients either send settings 18.16 rejects or silently read nothing.
 * Rows travel as {@code JSONEachRow}; every request sets {@code wait_end_of_query=1} so an error is reported in
 * the status rather than after a 200 has been streamed. 64-bit integers are read unquoted and ISO-8601 dates
 * are accepted on input. Any non-2xx answer or I/O failure is a {@link ClickHouseException} carrying the
 * server's message.
 */
public final class ClickHouseClient {

    private final RestClient rest;
    private final String baseUrl;
    private final String database;
    private final JsonMapper json = JsonMapper.builder().build();

    /**
     * @param url            HTTP interface, optionally with {@code user:password@}
     * @param database       database used for unqualified table names
     * @param connectTimeout connect timeout
     * @param requestTimeout whole-request timeout
     */
    public ClickHouseClient(String url, String database, Duration connectTimeout, Duration requestTimeout) {
        URI uri = URI.create(url.trim());
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("CLICKHOUSE_URL must look like http://host:8123, not '" + url + "'");
        }
        this.baseUrl = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        this.database = database;
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(connectTimeout).build());
        factory.setReadTimeout(requestTimeout);
        RestClient.Builder builder = RestClient.builder().requestFactory(factory);
        if (uri.getRawUserInfo() != null) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Basic " + Base64.getEncoder()
                    .encodeToString(java.net.URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)));
        }
        this.rest = builder.build();
    }

    /** The database unqualified table names resolve in. */
    public String database() {
        return database;
    }

    /** Runs a statement that returns nothing (DDL, OPTIMIZE, ...). */
    public void execute(String sql) {
        post(uri(Map.of("database", database)), sql);
    }

    /** Runs a statement outside any database (e.g. {@code CREATE DATABASE}). */
    public void executeWithoutDatabase(String sql) {
        post(uri(Map.of()), sql);
    }

    /** Inserts rows as {@code JSONEachRow}; a value of {@code null} goes in as NULL (Nullable columns). */
    public void insert(String table, List<? extends Map<String, ?>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        // Straight into one byte buffer: no per-row string, no copy of the whole body as a string.
        ByteArrayOutputStream body = new ByteArrayOutputStream(rows.size() * 512);
        for (Map<String, ?> row : rows) {
            json.writeValue(body, row);
            body.write('\n');
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("database", database);
        params.put("query", "INSERT INTO " + table + " FORMAT JSONEachRow");
        params.put("date_time_input_format", "best_effort");
        post(uri(params), body.toByteArray());
    }

    /** Runs a {@code SELECT} (without a FORMAT clause) and returns its rows. */
    public List<JsonNode> select(String sql) {
        return select(sql, Map.of());
    }

    /** Runs a {@code SELECT} (without a FORMAT clause) with query-level settings and returns its rows. */
    public List<JsonNode> select(String sql, Map<String, String> settings) {
        Map<String, String> params = new LinkedHashMap<>(settings);
        params.put("database", database);
        params.put("output_format_json_quote_64bit_integers", "0");
        String body = post(uri(params), sql + "\nFORMAT JSONEachRow");
        List<JsonNode> rows = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        return rows;
    }

    /** True when the server answers {@code /ping}. */
    public boolean ping() {
        try {
            String answer = rest.get().uri(URI.create(baseUrl + "ping")).retrieve().body(String.class);
            return answer != null && answer.startsWith("Ok");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private URI uri(Map<String, String> params) {
        StringBuilder sb = new StringBuilder(baseUrl).append("?wait_end_of_query=1");
        params.forEach((k, v) -> sb.append('&').append(k).append('=').append(encode(v)));
        return URI.create(sb.toString());
    }

    /** Percent-encoding that never uses {@code +} for a space (its meaning in a query string is ambiguous). */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private String post(URI uri, String body) {
        return post(uri, body.getBytes(StandardCharsets.UTF_8));
    }

    private String post(URI uri, byte[] body) {
        try {
            return rest.post().uri(uri)
                    .contentType(MediaType.TEXT_PLAIN)
                    .body(body)
                    .exchange((request, response) -> {
                        String text = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
                        if (!response.getStatusCode().is2xxSuccessful()) {
                            throw new ClickHouseException(response.getStatusCode().value(), text.strip());
                        }
                        return text;
                    });
        } catch (ResourceAccessException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ClickHouseException(0, "ClickHouse at " + baseUrl + " is unreachable: "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()), e);
        }
    }
}
