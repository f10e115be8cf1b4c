/** aigw for the JDK's {@code java.net.http.HttpClient}: {@code AigwHttpClient.wrap}. */
module dev.aigw.httpclient {
    requires transitive dev.aigw.core;
    requires transitive java.net.http;

    exports dev.aigw.httpclient;
}
