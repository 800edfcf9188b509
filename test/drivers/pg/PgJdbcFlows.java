// pgjdbc flows (Debian libpostgresql-jdbc-java). Called as `PgJdbcFlows FLOW TABLE`
// with PG_URL (postgres://user@host:port/db) and FETCH_ROWS in the environment and the case's
// texts on stdin, one per line, each Base64 of its UTF-8 bytes (no JSON parser
// needed on this side). Prints {"rows": [...], "counts": [...]} as ASCII JSON.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

public class PgJdbcFlows {
  static final String PARAM_SQL =
      "SELECT ?::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment(?, 'en') s";
  static final String TABLE_SQL =
      "SELECT t.txt, s.sentiment, s.confidence FROM %s t, aws_comprehend.detect_sentiment(t.txt, 'en') s ORDER BY t.id";
  static final String INSERT_SQL =
      "INSERT INTO %s_out (id, input, sentiment, confidence) "
          + "SELECT ?, ?, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment(?, 'en') s";
  static final int FETCH_SIZE = Integer.parseInt(System.getenv("FETCH_ROWS"));

  public static void main(String[] args) throws Exception {
    String flow = args[0];
    String table = args[1];
    List<String> texts = readTexts();
    StringBuilder rows = new StringBuilder();
    List<Integer> counts = new ArrayList<>();
    try {
      switch (flow) {
        case "default": {
          try (Connection c = connect("")) {
            selectEach(c, texts, rows);
          }
          break;
        }
        case "autocommit-off": {
          // The transaction's first statement is the parameterized ML one.
          try (Connection c = connect("")) {
            c.setAutoCommit(false);
            selectEach(c, texts, rows);
            c.commit();
          }
          break;
        }
        case "threshold1": {
          try (Connection c = connect("?prepareThreshold=1")) {
            selectEach(c, texts, rows);
          }
          break;
        }
        case "threshold1-autocommit-off": {
          try (Connection c = connect("?prepareThreshold=1")) {
            c.setAutoCommit(false);
            selectEach(c, texts, rows);
            c.commit();
          }
          break;
        }
        case "batch": {
          try (Connection c = connect("");
              PreparedStatement ps = c.prepareStatement(String.format(INSERT_SQL, table))) {
            for (int i = 0; i < texts.size(); i++) {
              ps.setInt(1, i);
              ps.setString(2, texts.get(i));
              ps.setString(3, texts.get(i));
              ps.addBatch();
            }
            for (int n : ps.executeBatch()) counts.add(n);
          }
          break;
        }
        case "fetch-size": {
          // With autocommit off, a fetch size makes pgjdbc read the portal FETCH_SIZE rows per Execute.
          try (Connection c = connect("")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(String.format(TABLE_SQL, table))) {
              ps.setFetchSize(FETCH_SIZE);
              try (ResultSet rs = ps.executeQuery()) {
                appendRows(rs, rows);
              }
            }
            c.commit();
          }
          break;
        }
        default:
          throw new IllegalArgumentException("unknown flow " + flow);
      }
    } catch (SQLException e) {
      System.err.println("SQLException SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
      System.exit(1);
    }
    StringBuilder out = new StringBuilder("{\"rows\":[").append(rows).append("],\"counts\":[");
    for (int i = 0; i < counts.size(); i++) out.append(i == 0 ? "" : ",").append(counts.get(i));
    System.out.print(out.append("]}"));
    System.out.flush();
  }

  static Connection connect(String query) throws Exception {
    URI u = new URI(System.getenv("PG_URL"));
    String user = u.getUserInfo() == null ? "postgres" : u.getUserInfo().split(":")[0];
    String url = "jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + u.getPath() + query;
    return DriverManager.getConnection(url, user, "");
  }

  static List<String> readTexts() throws Exception {
    List<String> texts = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.isEmpty()) texts.add(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8));
    }
    return texts;
  }

  /** The same PreparedStatement executed once per text (pgjdbc switches to a named statement after prepareThreshold uses). */
  static void selectEach(Connection c, List<String> texts, StringBuilder rows) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(PARAM_SQL)) {
      for (String text : texts) {
        ps.setString(1, text);
        ps.setString(2, text);
        try (ResultSet rs = ps.executeQuery()) {
          appendRows(rs, rows);
        }
      }
    }
  }

  static void appendRows(ResultSet rs, StringBuilder rows) throws SQLException {
    while (rs.next()) {
      float confidence = rs.getFloat(3);
      String conf = rs.wasNull() ? "null" : Double.toString((double) confidence);
      if (rows.length() > 0) rows.append(',');
      rows.append("{\"input\":").append(json(rs.getString(1)))
          .append(",\"sentiment\":").append(json(rs.getString(2)))
          .append(",\"confidence\":").append(conf).append('}');
    }
  }

  /** A JSON string with everything outside printable ASCII escaped, so the output's encoding never matters. */
  static String json(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
