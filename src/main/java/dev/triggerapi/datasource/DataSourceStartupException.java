package dev.triggerapi.datasource;

/** A configured database cannot be used at startup; the message names the setting to fix. */
class DataSourceStartupException extends RuntimeException {

    private final String setting;

    public DataSourceStartupException(String setting, String url, Throwable cause) {
        super("Cannot connect to the database configured by " + setting + " (" + redact(url) + "): "
                + rootMessage(cause), cause);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }

    /** JDBC URLs may carry a password parameter; never print it. */
    static String redact(String url) {
        return url == null ? "<unset>" : url.replaceAll("(?i)(password=)[^&]*", "$1****");
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
