/*
 * MariaDB Connector/J through the emulator's MySQL front: a plain Statement, a
 * server-side PreparedStatement (useServerPrepStmts=true) and executeBatch of
 * ML statements with useBulkStmts=true (COM_STMT_BULK_EXECUTE). Prints one
 * tab-separated line per row, count or error for the TypeScript test to check.
 *
 * usage: java -cp mariadb-java-client.jar ConnectorJFlow.java JDBC_BASE SOURCE BULK_TABLE TEXT...
 * (JDBC_BASE like jdbc:mariadb://127.0.0.1:PORT/DB?user=root)
 */
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

public class ConnectorJFlow {
  private static final String DETECT = "aws_comprehend_detect_sentiment(%s, 'en')";
  private static final String CONFIDENCE = "aws_comprehend_detect_sentiment_confidence(%s, 'en')";

  interface Flow {
    void run() throws SQLException;
  }

  /** Runs every flow even when one fails, so one run reports all that broke. */
  static void flow(String name, Flow body) {
    try {
      body.run();
    } catch (SQLException e) {
      String message = String.valueOf(e.getMessage()).replace('\t', ' ').replace('\n', ' ');
      System.out.println(String.join("\t", "error", name, String.valueOf(e.getErrorCode()), String.valueOf(e.getSQLState()), message));
    }
  }

  static void printRows(String name, ResultSet rs) throws SQLException {
    int columns = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      StringBuilder line = new StringBuilder(name);
      for (int i = 1; i <= columns; i++) line.append('\t').append(rs.getString(i));
      System.out.println(line);
    }
  }

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String source = args[1];
    String bulkTable = args[2];
    List<String> texts = Arrays.asList(args).subList(3, args.length);
    String labelColumns = String.format(DETECT, "message") + ", " + String.format(CONFIDENCE, "message");

    try (Connection c = DriverManager.getConnection(base)) {
      System.out.println("driver\t" + c.getMetaData().getDriverVersion());
      flow("statement", () -> {
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT id, " + labelColumns + " FROM " + source + " ORDER BY id")) {
          printRows("statement", rs);
        }
      });
    }

    try (Connection c = DriverManager.getConnection(base + "&useServerPrepStmts=true")) {
      flow("server-prep-text", () -> {
        String sql = "SELECT ?, " + String.format(DETECT, "?") + ", " + String.format(CONFIDENCE, "?");
        try (PreparedStatement p = c.prepareStatement(sql)) {
          for (int i = 0; i < Math.min(5, texts.size()); i++) {
            p.setInt(1, i);
            p.setString(2, texts.get(i));
            p.setString(3, texts.get(i));
            try (ResultSet rs = p.executeQuery()) {
              printRows("server-prep-text", rs);
            }
          }
        }
      });
      flow("server-prep-table", () -> {
        String sql = "SELECT id, " + labelColumns + " FROM " + source + " WHERE id > ? ORDER BY id";
        try (PreparedStatement p = c.prepareStatement(sql)) {
          p.setInt(1, 0);
          try (ResultSet rs = p.executeQuery()) {
            printRows("server-prep-table", rs);
          }
        }
      });
    }

    try (Connection c = DriverManager.getConnection(base + "&useServerPrepStmts=true&useBulkStmts=true")) {
      flow("bulk-update", () -> {
        String sql = "UPDATE " + source + " SET sentiment = " + String.format(DETECT, "message") + " WHERE id = ?";
        try (PreparedStatement p = c.prepareStatement(sql)) {
          for (int id = 1; id <= texts.size(); id++) {
            p.setInt(1, id);
            p.addBatch();
          }
          System.out.println("bulk-update-counts\t" + Arrays.toString(p.executeBatch()));
        }
      });
      flow("bulk-insert", () -> {
        String sql = "INSERT INTO " + bulkTable + " (id, sentiment, confidence) VALUES (?, "
            + String.format(DETECT, "?") + ", " + String.format(CONFIDENCE, "?") + ")";
        try (PreparedStatement p = c.prepareStatement(sql)) {
          for (int i = 0; i < texts.size(); i++) {
            p.setInt(1, i + 1);
            p.setString(2, texts.get(i));
            p.setString(3, texts.get(i));
            p.addBatch();
          }
          System.out.println("bulk-insert-counts\t" + Arrays.toString(p.executeBatch()));
        }
      });
    }
  }
}
