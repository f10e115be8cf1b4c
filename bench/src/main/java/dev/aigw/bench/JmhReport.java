package dev.aigw.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH CSV result ({@code -rf csv}) into the markdown tables of docs/PERFORMANCE.md: score, error and
 * allocation per operation for each benchmark, and for the client-overhead benchmark each variant's time and
 * allocation against {@code noAigw} and against {@code loggingFeature}.
 *
 * <p>{@code java -cp ... dev.aigw.bench.JmhReport bench/target/results/jmh.csv}
 */
public final class JmhReport {
    private JmhReport() {
    }

    record Row(String name, String unit, double score, double error, double allocNorm) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, double[]> scores = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        Map<String, Double> alloc = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = csv(line);
            String bench = f.get(0);
            // dev.aigw.bench.ClientOverheadBenchmark.aigw:gc.alloc.rate.norm -> ClientOverheadBenchmark.aigw
            String plain = bench.indexOf(':') < 0 ? bench : bench.substring(0, bench.indexOf(':'));
            String shortName = plain.substring(plain.lastIndexOf('.', plain.lastIndexOf('.') - 1) + 1);
            double score = Double.parseDouble(f.get(4));
            double error = f.get(5).isEmpty() || f.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(f.get(5));
            if (bench.endsWith(":gc.alloc.rate.norm")) {
                alloc.put(shortName, score);
            } else if (!bench.contains(":")) {
                scores.put(shortName, new double[] {score, error});
                units.put(shortName, f.get(6));
            }
        }
        List<Row> rows = new ArrayList<>();
        scores.forEach((k, v) -> rows.add(new Row(k, units.get(k), v[0], v[1], alloc.getOrDefault(k, Double.NaN))));
        StringBuilder md = new StringBuilder();
        md.append("| benchmark | score | ± (99.9 %) | unit | allocated per op (all threads) |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| `%s` | %.3f | %.3f | %s | %s |%n", r.name, r.score, r.error, r.unit,
                    Double.isNaN(r.allocNorm) ? "—" : String.format(Locale.ROOT, "%,.0f B", r.allocNorm)));
        }
        Row base = find(rows, "ClientOverheadBenchmark.noAigw");
        Row peer = find(rows, "ClientOverheadBenchmark.loggingFeature");
        if (base != null) {
            md.append("\n| client variant | time / noAigw | time / loggingFeature | allocation − noAigw (all threads) |\n"
                    + "|---|---|---|---|\n");
            for (Row r : rows) {
                if (r.name.startsWith("ClientOverheadBenchmark.")) {
                    md.append(String.format(Locale.ROOT, "| `%s` | %.3f | %s | %+,.0f B |%n",
                            r.name.substring("ClientOverheadBenchmark.".length()), r.score / base.score,
                            peer == null ? "—" : String.format(Locale.ROOT, "%.3f", r.score / peer.score),
                            r.allocNorm - base.allocNorm));
                }
            }
        }
        System.out.print(md);
    }

    private static Row find(List<Row> rows, String name) {
        for (Row r : rows) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** One CSV line as JMH writes it: fields quoted when they hold text, commas inside quotes kept. */
    static List<String> csv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
