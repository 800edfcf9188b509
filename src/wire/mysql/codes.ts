/**
 * MySQL client/server protocol codes, named as the MySQL and MariaDB protocol
 * documentation names them (COM_*, CLIENT_*, SERVER_STATUS_*).
 */

/** The first payload byte of a command-phase packet from the client. */
export const Command = {
  COM_QUIT: 0x01,
  COM_INIT_DB: 0x02,
  COM_QUERY: 0x03,
  COM_FIELD_LIST: 0x04,
  COM_STATISTICS: 0x09,
  COM_PROCESS_INFO: 0x0a,
  COM_PROCESS_KILL: 0x0c,
  COM_PING: 0x0e,
  COM_CHANGE_USER: 0x11,
  COM_BINLOG_DUMP: 0x12,
  COM_STMT_PREPARE: 0x16,
  COM_STMT_EXECUTE: 0x17,
  COM_STMT_SEND_LONG_DATA: 0x18,
  COM_STMT_CLOSE: 0x19,
  COM_STMT_RESET: 0x1a,
  COM_SET_OPTION: 0x1b,
  COM_STMT_FETCH: 0x1c,
  COM_BINLOG_DUMP_GTID: 0x1e,
  COM_RESET_CONNECTION: 0x1f,
  /** MariaDB: one prepared statement run for many rows of parameters. */
  COM_STMT_BULK_EXECUTE: 0xfa,
} as const;

/**
 * MariaDB's statement id -1 in COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE,
 * COM_STMT_SEND_LONG_DATA, COM_STMT_RESET and COM_STMT_CLOSE: "the statement
 * prepared last on this connection", so a PREPARE and its EXECUTE can be
 * pipelined.
 */
export const LAST_PREPARED_STATEMENT = 0xffffffff;

/** The first payload byte of the server's generic answers. */
export const ResponseHeader = {
  OK: 0x00,
  /** AuthMoreData during authentication. */
  AuthMoreData: 0x01,
  /** LOCAL INFILE request in a COM_QUERY answer. */
  LocalInfile: 0xfb,
  /** EOF packet (payload < 9 bytes), or AuthSwitchRequest during authentication. */
  EOF: 0xfe,
  ERR: 0xff,
} as const;

/** Capability flags (the handshake's two 16-bit halves joined). */
export const Capability = {
  CLIENT_LONG_PASSWORD: 0x1,
  CLIENT_CONNECT_WITH_DB: 0x8,
  CLIENT_COMPRESS: 0x20,
  CLIENT_LOCAL_FILES: 0x80,
  CLIENT_PROTOCOL_41: 0x200,
  CLIENT_SSL: 0x800,
  CLIENT_SECURE_CONNECTION: 0x8000,
  CLIENT_MULTI_STATEMENTS: 0x10000,
  CLIENT_MULTI_RESULTS: 0x20000,
  CLIENT_PLUGIN_AUTH: 0x80000,
  CLIENT_CONNECT_ATTRS: 0x100000,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  /** OK packets carry an info string and, with SERVER_SESSION_STATE_CHANGED, the session state changes. */
  CLIENT_SESSION_TRACK: 0x800000,
  CLIENT_DEPRECATE_EOF: 0x1000000,
  /** MySQL 8: result sets may come without column definitions (resultset_metadata = NONE). */
  CLIENT_OPTIONAL_RESULTSET_METADATA: 0x2000000,
  /** MySQL 8: COM_QUERY and COM_STMT_EXECUTE carry query attributes before the statement. */
  CLIENT_QUERY_ATTRIBUTES: 0x8000000,
} as const;

/**
 * MariaDB's extended capabilities, sent in the last 4 bytes of the handshake's
 * reserved area when CLIENT_LONG_PASSWORD (MariaDB's CLIENT_MYSQL) is clear;
 * bit n here is capability bit 32 + n.
 */
export const MariaDbCapability = {
  MARIADB_CLIENT_PROGRESS: 1 << 0,
  MARIADB_CLIENT_STMT_BULK_OPERATIONS: 1 << 2,
  MARIADB_CLIENT_EXTENDED_METADATA: 1 << 3,
  /** Binary result sets may skip column definitions the client already has (a "metadata follows" byte). */
  MARIADB_CLIENT_CACHE_METADATA: 1 << 4,
  MARIADB_CLIENT_BULK_UNIT_RESULTS: 1 << 5,
} as const;

export const ServerStatus = {
  SERVER_STATUS_IN_TRANS: 0x1,
  SERVER_STATUS_AUTOCOMMIT: 0x2,
  SERVER_MORE_RESULTS_EXISTS: 0x8,
  /** A COM_STMT_EXECUTE opened a cursor: its answer ends after the column definitions. */
  SERVER_STATUS_CURSOR_EXISTS: 0x40,
  SERVER_STATUS_IN_TRANS_READONLY: 0x2000,
  /** The statement changed session state; with CLIENT_SESSION_TRACK its OK packet says how. */
  SERVER_SESSION_STATE_CHANGED: 0x4000,
} as const;

/** The type byte of one session state change in an OK packet (CLIENT_SESSION_TRACK). */
export const SessionStateType = {
  SESSION_TRACK_SYSTEM_VARIABLES: 0x00,
  /** The current database, after a USE, or after a stored routine of another database ran. */
  SESSION_TRACK_SCHEMA: 0x01,
  SESSION_TRACK_STATE_CHANGE: 0x02,
  SESSION_TRACK_GTIDS: 0x03,
  SESSION_TRACK_TRANSACTION_CHARACTERISTICS: 0x04,
  SESSION_TRACK_TRANSACTION_STATE: 0x05,
} as const;

/** The initial Handshake packet's protocol version (HandshakeV10). */
export const PROTOCOL_VERSION = 10;

/** A packet carrying exactly this many payload bytes is continued by the next one. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/** Largest logical payload the emulator accepts (max_allowed_packet's own ceiling is 1 GB). */
export const MAX_MESSAGE_LENGTH = 1 << 30;

/** Largest HandshakeResponse accepted (connection attributes included). */
export const MAX_HANDSHAKE_RESPONSE_LENGTH = 64 * 1024;
