package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DefaultHeaders.NameValidator;
import io.netty.handler.codec.DefaultHeaders.ValueValidator;
import io.netty.handler.codec.HeadersUtils;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.netty.util.internal.PlatformDependent;
import java.nio.charset.StandardCharsets;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The header fields of a message kept as offsets over the bytes of its head as received. A gateway
 * forwards most fields unchanged, and Netty's table would spend a String and a hash-table entry on
 * each only to encode it back char by char; here an unchanged field goes out as the bytes it came
 * in as ({@link #encode}), and a lookup compares against those bytes without allocating.
 *
 * <p>Fields added or set later are kept in two parallel arrays, names and values in the order added,
 * each the very object given: a message gains a few fields on its way through, and a
 * {@link DefaultHttpHeaders} for them would cost a hash table, an entry object per field, and a hash
 * of every name. They are checked by the validators of {@link DefaultHttpHeadersFactory#headersFactory()}
 * and converted as {@link DefaultHttpHeaders} converts, step for step in Netty's order, so the same
 * calls store the same values and refuse the same input with the same exceptions. Names compare
 * ignoring ASCII case, as that table's hashing strategy compares them. A set or removal marks the
 * fields of that name dead, received or added. As Netty's table appends on both add and set,
 * iteration is the live received fields in order, then the added ones in theirs, just as in a
 * {@link DefaultHttpHeaders} into which the same fields had been added in order; every method of
 * {@link HttpHeaders} answers as that table would, but that {@link #copy} keeps validating values,
 * where Netty's copy stops; that removing through a value iterator does not lose other fields from
 * lookups, as Netty's can; and that an entry of an added field stops reaching the table once the
 * added fields are renumbered (see {@link #makeRoom}), where Netty's entry would stay linked. How an
 * iterator goes on after the table was changed other than through it is not the same either (Netty's
 * follows its links, this one goes on by position); neither is specified.
 *
 * <p>Not thread-safe, as Netty's table is not.
 */
public final class RawHeaders extends HttpHeaders {
    private static final DefaultHttpHeadersFactory FACTORY = DefaultHttpHeadersFactory.headersFactory();
    /** The checks Netty's validating table makes, the same objects, so that they fail with the same messages. */
    private static final NameValidator<CharSequence> NAME_VALIDATOR = FACTORY.getNameValidator();
    private static final ValueValidator<CharSequence> VALUE_VALIDATOR = FACTORY.getValueValidator();
    /**
     * What Netty's table converts values with: its own converter (private to DefaultHttpHeaders)
     * extends this one and changes only how Objects are made, which {@link #fromObject} does.
     */
    private static final CharSequenceValueConverter CONVERTER = CharSequenceValueConverter.INSTANCE;
    /** Room for the fields the gateway itself adds to a proxied request (about seven) without growing. */
    private static final int FIRST_ADDED_CAPACITY = 8;
    private static final int COLON_SP = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';
    /** Netty's DefaultHeaders seeds its hash code with this; equal tables must hash alike. */
    private static final int HASH_CODE_SEED = 0xc2b2ae35;
    /** A value iterator's state before next() and after remove(). */
    private static final int NONE = -1;

    private final byte[] bytes;
    private final int[] fields;
    private final int count;
    /** Received fields removed, one bit each: the first 64 here, the rest in {@link #deadMore}. */
    private long dead;
    private long[] deadMore;
    private int live;
    /** Values given to received fields through {@link Entry#setValue}, by field; mostly never. */
    private CharSequence[] replaced;

    // The added fields, in the order added, in slots 0 to addedEnd - 1 of two parallel arrays made on
    // the first add. A removed one leaves its slot with a null name (and value) rather than moving
    // the later ones down: a slot keeps its field, so entries and iterators stay on their fields
    // through removals, as Netty's linked entries do, until the slots are renumbered.

    private CharSequence[] addedNames;
    private CharSequence[] addedValues;
    /** Slots used, removed ones included; the next field goes in this one. */
    private int addedEnd;
    /** Added fields not removed. */
    private int addedLive;
    /**
     * Counts the times the slots were renumbered or emptied ({@link #makeRoom}, {@link #clear}):
     * an entry made before then can no longer find its field by slot.
     */
    private int addedEpoch;

    /**
     * Neither array is copied, nor ever changed: copies of the table share them.
     *
     * @param bytes  the head's bytes; the table owns them from now on and never changes them
     * @param fields 4 ints per field, in the order received: name start, name end (exclusive),
     *               value start, value end (exclusive). Names are non-empty RFC 9110 tokens; values
     *               are field-vchars (0x21-0x7E, 0x80-0xFF), SP and HTAB, with leading and trailing
     *               SP/HTAB already trimmed (possibly empty). In the bytes, a field's line is the name,
     *               ':', optional SP/HTAB, the value, optional SP/HTAB, CRLF.
     * @param count  the number of fields (fields.length may be larger)
     */
    public RawHeaders(byte[] bytes, int[] fields, int count) {
        if (count < 0 || count > fields.length / 4) {
            throw new IllegalArgumentException("count " + count + " for " + fields.length + " offsets");
        }
        this.bytes = bytes;
        this.fields = fields;
        this.count = count;
        this.live = count;
        long bits = 0;
        for (int i = 0; i < count; i++) {
            int s = fields[i << 2];
            int e = fields[(i << 2) + 1];
            // the parser never makes an empty name; one here still gets the bit a lookup of "" asks
            bits |= e == s ? 1L : nameBit(e - s, bytes[s] & 0xFF, bytes[e - 1] & 0xFF);
        }
        this.nameBits = bits;
    }

    /**
     * One bit per received name, chosen by its length and its first and last letters, case-blind:
     * a lookup of a name whose bit is clear is answered without a scan. Most lookups are of fields
     * a message does not have (Connection, Upgrade, Forwarded, X-Forwarded-For, Via, ...).
     */
    private final long nameBits;

    private static long nameBit(int length, int first, int last) {
        return 1L << (length * 5 + lower(first) * 3 + lower(last)); // the shift takes the low 6 bits
    }

    /** Whether a received field may be named {@code name} (false: certainly not). */
    private boolean mayHaveReceived(CharSequence name) {
        return live != 0 && (nameBits & nameBit(name)) != 0;
    }

    /** The same filter for the added names: a bit set by each field added, cleared only by {@link #clear}. */
    private long addedNameBits;

    private static long nameBit(CharSequence name) {
        int n = name.length();
        return n == 0 ? 1L : nameBit(n, name.charAt(0), name.charAt(n - 1));
    }

    // ---- the received fields

    private boolean isLive(int i) {
        if (i < 64) {
            return (dead & 1L << i) == 0;
        }
        long[] more = deadMore;
        return more == null || (more[(i - 64) >>> 6] & 1L << i) == 0;
    }

    private void kill(int i) {
        long bit = 1L << i;
        if (i < 64) {
            if ((dead & bit) != 0) return;
            dead |= bit;
        } else {
            if (deadMore == null) deadMore = new long[(count - 64 + 63) >>> 6];
            int w = (i - 64) >>> 6;
            if ((deadMore[w] & bit) != 0) return;
            deadMore[w] |= bit;
        }
        live--;
    }

    private void killAll() {
        if (live == 0) return;
        dead = -1L;
        if (count > 64) {
            if (deadMore == null) deadMore = new long[(count - 64 + 63) >>> 6];
            Arrays.fill(deadMore, -1L);
        }
        live = 0;
    }

    /** Field {@code i} is live and its name is {@code name}, ignoring ASCII case as Netty's table does. */
    private boolean matches(int i, CharSequence name) {
        int s = fields[i << 2];
        int len = fields[(i << 2) + 1] - s;
        if (len != name.length() || !isLive(i)) return false;
        byte[] b = bytes;
        if (name instanceof AsciiString a) {
            byte[] q = a.array();
            int o = a.arrayOffset();
            for (int k = 0; k < len; k++) {
                int x = b[s + k] & 0xFF;
                int y = q[o + k] & 0xFF;
                if (x != y && lower(x) != lower(y)) return false;
            }
            return true;
        }
        if (name instanceof String str) {
            for (int k = 0; k < len; k++) {
                int x = b[s + k] & 0xFF;
                char c = str.charAt(k);
                if (x != c && lower(x) != lower(c)) return false;
            }
            return true;
        }
        return regionEquals(s, s + len, name, true);
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    /** The bytes from s to e, read as ISO-8859-1, are {@code cs}: Netty's contentEquals(IgnoreCase). */
    private boolean regionEquals(int s, int e, CharSequence cs, boolean ignoreCase) {
        int len = e - s;
        if (cs.length() != len) return false;
        byte[] b = bytes;
        for (int k = 0; k < len; k++) {
            int x = b[s + k] & 0xFF;
            char c = cs.charAt(k);
            if (x != c && (!ignoreCase || lower(x) != lower(c))) return false;
        }
        return true;
    }

    /** The first live received field named {@code name}, or -1. */
    private int first(CharSequence name) {
        Objects.requireNonNull(name, "name");
        if (!mayHaveReceived(name)) return -1;
        for (int i = 0; i < count; i++) {
            if (matches(i, name)) return i;
        }
        return -1;
    }

    private boolean removeReceived(CharSequence name) {
        if (!mayHaveReceived(name)) return false;
        boolean any = false;
        for (int i = 0; i < count; i++) {
            if (matches(i, name)) {
                kill(i);
                any = true;
            }
        }
        return any;
    }

    private CharSequence replacedValue(int i) {
        CharSequence[] r = replaced;
        return r == null ? null : r[i];
    }

    private AsciiString nameView(int i) {
        int s = fields[i << 2];
        return new AsciiString(bytes, s, fields[(i << 2) + 1] - s, false);
    }

    /** The value as Netty's decoder would have made it: a String of the bytes read as ISO-8859-1. */
    private String valueString(int i) {
        CharSequence r = replacedValue(i);
        if (r != null) return r.toString();
        int s = fields[(i << 2) + 2];
        return new String(bytes, s, fields[(i << 2) + 3] - s, StandardCharsets.ISO_8859_1);
    }

    /** The value as Netty's table would hold it: what setValue put there, or the decoder's String. */
    private CharSequence valueSeq(int i) {
        CharSequence r = replacedValue(i);
        return r != null ? r : valueString(i);
    }

    private boolean valueEquals(int i, CharSequence value, boolean ignoreCase) {
        CharSequence r = replacedValue(i);
        if (r != null) {
            return ignoreCase ? AsciiString.contentEqualsIgnoreCase(value, r) : AsciiString.contentEquals(value, r);
        }
        return regionEquals(fields[(i << 2) + 2], fields[(i << 2) + 3], value, ignoreCase);
    }

    /**
     * Field {@code i}'s value, split at commas and each piece trimmed of characters up to SP, has a
     * piece equal to {@code expected}: Netty's containsCommaSeparatedTrimmed, quirks and all (a
     * piece after a trailing comma is not looked at).
     */
    private boolean listContains(int i, CharSequence expected, boolean ignoreCase) {
        CharSequence r = replacedValue(i);
        if (r != null) return listContains(r, expected, ignoreCase);
        int s = fields[(i << 2) + 2];
        int e = fields[(i << 2) + 3];
        int comma = indexOfComma(s, e);
        if (comma < 0) return trimmedEquals(s, e, expected, ignoreCase);
        int begin = s;
        do {
            if (trimmedEquals(begin, comma, expected, ignoreCase)) return true;
            begin = comma + 1;
        } while ((comma = indexOfComma(begin, e)) >= 0);
        return begin < e && trimmedEquals(begin, e, expected, ignoreCase);
    }

    private int indexOfComma(int from, int to) {
        for (int k = from; k < to; k++) {
            if (bytes[k] == ',') return k;
        }
        return -1;
    }

    private boolean trimmedEquals(int s, int e, CharSequence expected, boolean ignoreCase) {
        while (s < e && (bytes[s] & 0xFF) <= ' ') s++;
        while (e > s && (bytes[e - 1] & 0xFF) <= ' ') e--;
        return regionEquals(s, e, expected, ignoreCase);
    }

    /** Netty's HttpHeaders.containsCommaSeparatedTrimmed (package-private there), for a value given by setValue. */
    private static boolean listContains(CharSequence raw, CharSequence expected, boolean ignoreCase) {
        int begin = 0;
        int end = AsciiString.indexOf(raw, ',', begin);
        if (end == -1) return pieceEquals(AsciiString.trim(raw), expected, ignoreCase);
        do {
            if (pieceEquals(AsciiString.trim(raw.subSequence(begin, end)), expected, ignoreCase)) return true;
            begin = end + 1;
        } while ((end = AsciiString.indexOf(raw, ',', begin)) != -1);
        return begin < raw.length()
                && pieceEquals(AsciiString.trim(raw.subSequence(begin, raw.length())), expected, ignoreCase);
    }

    private static boolean pieceEquals(CharSequence piece, CharSequence expected, boolean ignoreCase) {
        return ignoreCase ? AsciiString.contentEqualsIgnoreCase(piece, expected) : AsciiString.contentEquals(piece, expected);
    }

    /** 1 to {@code maxDigits} ASCII digits, as a number; -1 for anything else, which the converter decides. */
    private int plainNumber(int i, int maxDigits) {
        if (replacedValue(i) != null) return -1;
        int s = fields[(i << 2) + 2];
        int e = fields[(i << 2) + 3];
        if (e == s || e - s > maxDigits) return -1;
        int n = 0;
        for (int k = s; k < e; k++) {
            int d = bytes[k] - '0';
            if (d < 0 || d > 9) return -1;
            n = n * 10 + d;
        }
        return n;
    }

    // ---- the added fields

    /** Netty's table's name comparison (its CASE_INSENSITIVE_HASHER), with the common case first. */
    private static boolean sameName(CharSequence a, CharSequence b) {
        return a == b || AsciiString.contentEqualsIgnoreCase(a, b);
    }

    /** The first live added slot at or after {@code from} named {@code name}, or -1. */
    private int firstAdded(CharSequence name, int from) {
        if ((addedNameBits & nameBit(name)) == 0) return -1; // most set()s name a field not added yet
        CharSequence[] names = addedNames;
        for (int k = from; k < addedEnd; k++) {
            CharSequence n = names[k];
            if (n != null && sameName(name, n)) return k;
        }
        return -1;
    }

    /** The value of the oldest live added field named {@code name}, or null. */
    private CharSequence firstAddedValue(CharSequence name) {
        if (addedLive == 0) return null;
        int k = firstAdded(name, 0);
        return k < 0 ? null : addedValues[k];
    }

    /** Appends a field that has passed every check its way in asks for (or, as Netty's copies, none). */
    private void append(CharSequence name, CharSequence value) {
        if (addedNames == null) {
            addedNames = new CharSequence[FIRST_ADDED_CAPACITY];
            addedValues = new CharSequence[FIRST_ADDED_CAPACITY];
        } else if (addedEnd == addedNames.length) {
            makeRoom();
        }
        addedNames[addedEnd] = name;
        addedValues[addedEnd] = value;
        addedNameBits |= nameBit(name);
        addedEnd++;
        addedLive++;
    }

    /**
     * Makes room for one more field in full arrays. While at most half the slots hold live fields,
     * the live ones move down over the removed ones in place, so that setting the same name again and
     * again does not grow the arrays without end; otherwise the arrays double, the live fields moving
     * down as they are copied if any were removed. Moving fields renumbers the slots, which
     * {@link #addedEpoch} records.
     */
    private void makeRoom() {
        CharSequence[] names = addedNames;
        CharSequence[] values = addedValues;
        int end = addedEnd;
        if (addedLive == end) {
            addedNames = Arrays.copyOf(names, end * 2);
            addedValues = Arrays.copyOf(values, end * 2);
            return;
        }
        CharSequence[] toNames = names;
        CharSequence[] toValues = values;
        if (addedLive > end / 2) {
            toNames = new CharSequence[end * 2];
            toValues = new CharSequence[end * 2];
        }
        int to = 0;
        for (int k = 0; k < end; k++) {
            if (names[k] != null) {
                toNames[to] = names[k];
                toValues[to] = values[k];
                to++;
            }
        }
        if (toNames == names) {
            Arrays.fill(names, to, end, null);
            Arrays.fill(values, to, end, null);
        }
        addedNames = toNames;
        addedValues = toValues;
        addedEnd = to;
        addedEpoch++;
    }

    /** Removes added slot {@code k}; its number stays unused until the slots are renumbered. */
    private void removeAddedSlot(int k) {
        addedNames[k] = null;
        addedValues[k] = null;
        addedLive--;
    }

    private boolean removeAdded(CharSequence name) {
        if (addedLive == 0) return false;
        boolean any = false;
        for (int k = firstAdded(name, 0); k >= 0; k = firstAdded(name, k + 1)) {
            removeAddedSlot(k);
            any = true;
        }
        return any;
    }

    /**
     * Netty's table's conversion of an Object to a value (DefaultHttpHeaders.HeaderValueConverter
     * within DefaultHeaders.fromObject): null refused first, a CharSequence as it is, a Date or
     * Calendar as an HTTP date, anything else by toString (an Iterable or array too, when it comes in
     * as a single Object); an IllegalArgumentException on the way wrapped as Netty wraps it.
     */
    private static CharSequence fromObject(CharSequence name, Object value) {
        Objects.requireNonNull(value, "value");
        try {
            if (value instanceof CharSequence cs) return cs;
            if (value instanceof Date date) return DateFormatter.format(date);
            if (value instanceof Calendar calendar) return DateFormatter.format(calendar.getTime());
            return value.toString();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Failed to convert object value for header '" + name + '\'', e);
        }
    }

    /** DefaultHeaders.validateValue: the value validator's refusal, wrapped with the name. */
    private static void validateValue(CharSequence name, CharSequence value) {
        try {
            VALUE_VALIDATOR.validate(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Validation failed for header '" + name + "'", e);
        }
    }

    /** DefaultHeaders.add(name, value): both checked, then the value's presence, then appended. */
    private void addChecked(CharSequence name, CharSequence value) {
        NAME_VALIDATOR.validateName(name);
        validateValue(name, value);
        Objects.requireNonNull(value, "value");
        append(name, value);
    }

    /**
     * DefaultHeaders.set(name, value): both checked before anything changes, so that a refused value
     * leaves the fields of that name as they were; then every field of the name goes, received or
     * added, and the new one is appended.
     */
    private void setChecked(CharSequence name, CharSequence value) {
        NAME_VALIDATOR.validateName(name);
        validateValue(name, value);
        Objects.requireNonNull(value, "value");
        removeReceived(name);
        removeAdded(name);
        append(name, value);
    }

    /**
     * {@link #set(CharSequence, Object)} for a field the gateway writes itself, without the name
     * and value checks: the name is a constant of the gateway's that is a token, and the value is
     * made of parts that passed those checks already (received field values, the client's
     * address, generated ids, constants). Skipping them matters because these fields are set on
     * every request and every answer, where the checks were the larger part of the set.
     */
    public void setValid(AsciiString name, CharSequence value) {
        removeReceived(name);
        removeAdded(name);
        append(name, value);
    }

    // ---- encoding

    /** Writes every field as Netty's HttpObjectEncoder would: "name: value\r\n" in iteration order. */
    public void encode(ByteBuf buf) {
        int[] f = fields;
        int i = 0;
        while (i < count) {
            if (!isLive(i)) {
                i++;
            } else if (replacedValue(i) != null) {
                writeField(buf, nameView(i), replaced[i]);
                i++;
            } else if (!canonical(i)) {
                int ns = f[i << 2];
                int nl = f[(i << 2) + 1] - ns;
                int vs = f[(i << 2) + 2];
                int vl = f[(i << 2) + 3] - vs;
                buf.ensureWritable(nl + vl + 4);
                buf.writeBytes(bytes, ns, nl);
                buf.writeShort(COLON_SP);
                buf.writeBytes(bytes, vs, vl);
                buf.writeShort(CRLF);
                i++;
            } else {
                // A run of canonical lines, each starting where the one before ended, is already what
                // Netty would write: one copy for all of it.
                int from = f[i << 2];
                int to = lineEnd(i++);
                while (i < count && f[i << 2] == to && isLive(i) && replacedValue(i) == null && canonical(i)) {
                    to = lineEnd(i++);
                }
                buf.writeBytes(bytes, from, to - from);
            }
        }
        CharSequence[] names = addedNames;
        for (int k = 0; k < addedEnd; k++) {
            if (names[k] != null) writeField(buf, names[k], addedValues[k]);
        }
    }

    /** Field {@code i}'s line is exactly what Netty writes: name, ": ", value, CRLF. */
    private boolean canonical(int i) {
        int ne = fields[(i << 2) + 1];
        int vs = fields[(i << 2) + 2];
        int ve = fields[(i << 2) + 3];
        int crlf = vs == ve ? ne + 2 : ve;
        byte[] b = bytes;
        return (vs == ve || vs == ne + 2) && crlf + 1 < b.length
                && b[ne] == ':' && b[ne + 1] == ' ' && b[crlf] == '\r' && b[crlf + 1] == '\n';
    }

    /** Just after the CRLF of canonical field {@code i}. */
    private int lineEnd(int i) {
        int vs = fields[(i << 2) + 2];
        int ve = fields[(i << 2) + 3];
        return (vs == ve ? fields[(i << 2) + 1] + 2 : ve) + 2;
    }

    /** Netty's HttpHeadersEncoder.encoderHeader (package-private there), line for line. */
    private static void writeField(ByteBuf buf, CharSequence name, CharSequence value) {
        int nameLen = name.length();
        int valueLen = value.length();
        buf.ensureWritable(nameLen + valueLen + 4);
        int offset = buf.writerIndex();
        writeAscii(buf, offset, name);
        offset += nameLen;
        ByteBufUtil.setShortBE(buf, offset, COLON_SP);
        offset += 2;
        writeAscii(buf, offset, value);
        offset += valueLen;
        ByteBufUtil.setShortBE(buf, offset, CRLF);
        offset += 2;
        buf.writerIndex(offset);
    }

    /**
     * Whether bytes can be put at a buffer's memory address: Netty can give direct buffers an address
     * without {@code sun.misc.Unsafe} (JDK 23 and later without the launcher's
     * {@code --sun-misc-unsafe-memory-access=allow}), and then has nothing to put bytes there with.
     */
    private static final boolean UNSAFE_PUT = PlatformDependent.hasUnsafe();

    private static void writeAscii(ByteBuf buf, int offset, CharSequence value) {
        if (value instanceof AsciiString a) {
            ByteBufUtil.copy(a, 0, buf, offset, value.length());
        } else if (value instanceof String s && UNSAFE_PUT && buf.hasMemoryAddress()) {
            // The bytes Netty's setCharSequence writes (a char past 255 as '?', AsciiString.c2b), put
            // straight into the buffer's memory: Netty writes a String a char at a time through the
            // buffer's layers, which was the gateway's largest single Java cost for the fields it adds.
            int n = s.length();
            if (offset < 0 || offset + n > buf.capacity()) { // a raw write has no bounds check of its own
                throw new IndexOutOfBoundsException("offset " + offset + " + " + n + " past capacity " + buf.capacity());
            }
            long at = buf.memoryAddress() + offset;
            for (int i = 0; i < n; i++) {
                PlatformDependent.putByte(at + i, AsciiString.c2b(s.charAt(i)));
            }
        } else if (value instanceof String s && buf.hasArray()) {
            byte[] array = buf.array();
            int at = buf.arrayOffset() + offset;
            for (int i = 0, n = s.length(); i < n; i++) {
                array[at + i] = AsciiString.c2b(s.charAt(i));
            }
        } else {
            buf.setCharSequence(offset, value, CharsetUtil.US_ASCII);
        }
    }

    // ---- removal beyond HttpHeaders

    /**
     * Removes every field (received or added) whose name the test accepts; returns whether any was
     * removed. The test sees the received names through one reused view: it must not keep them.
     */
    public boolean removeIf(Predicate<? super CharSequence> nameTest) {
        boolean any = false;
        NameWindow window = new NameWindow();
        for (int i = 0; i < count && live != 0; i++) {
            if (isLive(i) && nameTest.test(window.at(i))) {
                kill(i);
                any = true;
            }
        }
        return removeAddedIf(nameTest) | any;
    }

    /**
     * One received name after another, as a {@link CharSequence} over the bytes: a test of names
     * reads it and keeps nothing, so one window serves every field.
     */
    private final class NameWindow implements CharSequence {
        private int start;
        private int length;

        NameWindow at(int i) {
            start = fields[i << 2];
            length = fields[(i << 2) + 1] - start;
            return this;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            if (index < 0 || index >= length) throw new IndexOutOfBoundsException(index);
            return (char) (bytes[start + index] & 0xFF);
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return new AsciiString(bytes, start + from, to - from, true);
        }

        @Override
        public String toString() {
            return new String(bytes, start, length, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** Each added field's own name goes to the test, so "X-A" can go and "x-a" stay. */
    private boolean removeAddedIf(Predicate<? super CharSequence> nameTest) {
        boolean any = false;
        CharSequence[] names = addedNames;
        for (int k = 0; k < addedEnd && addedLive != 0; k++) {
            if (names[k] != null && nameTest.test(names[k])) {
                removeAddedSlot(k);
                any = true;
            }
        }
        return any;
    }

    // ---- HttpHeaders: reading

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        int i = first(name);
        if (i >= 0) return valueString(i);
        CharSequence v = firstAddedValue(name);
        return v == null ? null : v.toString();
    }

    @Override
    public Integer getInt(CharSequence name) {
        int i = first(name);
        if (i >= 0) {
            int n = plainNumber(i, 9);
            if (n >= 0) return n;
        }
        CharSequence v = firstValue(i, name);
        if (v == null) return null;
        try {
            return CONVERTER.convertToInt(v);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The first value of {@code name}: received field {@code i} if there is one ({@code i >= 0}), else the first added. */
    private CharSequence firstValue(int i, CharSequence name) {
        return i >= 0 ? valueSeq(i) : firstAddedValue(name);
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Short getShort(CharSequence name) {
        Integer v = getInt(name); // a short is an int in its range, as Netty's parse finds it
        return v == null || v < Short.MIN_VALUE || v > Short.MAX_VALUE ? null : v.shortValue();
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v != null ? v : defaultValue;
    }

    /** As Netty's: null when absent, and (sic) a ParseException thrown through when the value is no date. */
    @Override
    public Long getTimeMillis(CharSequence name) {
        CharSequence v = firstValue(first(name), name);
        if (v == null) return null;
        try {
            return CONVERTER.convertToTimeMillis(v);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long v = getTimeMillis(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
        Objects.requireNonNull(name, "name");
        List<String> values = null;
        if (mayHaveReceived(name)) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name)) {
                    if (values == null) values = new ArrayList<>(4);
                    values.add(valueString(i));
                }
            }
        }
        if (addedLive != 0) {
            for (int k = firstAdded(name, 0); k >= 0; k = firstAdded(name, k + 1)) {
                if (values == null) values = new ArrayList<>(4);
                values.add(addedValues[k].toString());
            }
        }
        return values == null ? Collections.emptyList() : Collections.unmodifiableList(values);
    }

    @Override
    public List<Entry<String, String>> entries() {
        if (isEmpty()) return Collections.emptyList();
        List<Entry<String, String>> entries = new ArrayList<>(size());
        for (Iterator<Entry<String, String>> it = iterator(); it.hasNext(); ) {
            entries.add(it.next());
        }
        return entries;
    }

    @Override
    public boolean contains(String name) {
        return contains((CharSequence) name);
    }

    @Override
    public boolean contains(CharSequence name) {
        return first(name) >= 0 || firstAddedValue(name) != null;
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return contains((CharSequence) name, (CharSequence) value, ignoreCase);
    }

    /** A field of that name whose whole value is {@code value} (Netty's table compares ASCII case only). */
    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        Objects.requireNonNull(name, "name");
        if (value != null && mayHaveReceived(name)) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name) && valueEquals(i, value, ignoreCase)) return true;
            }
        }
        if (value != null && addedLive != 0) {
            for (int k = firstAdded(name, 0); k >= 0; k = firstAdded(name, k + 1)) {
                CharSequence v = addedValues[k];
                if (ignoreCase ? AsciiString.contentEqualsIgnoreCase(value, v) : AsciiString.contentEquals(value, v)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        Objects.requireNonNull(name, "name");
        if (value != null && mayHaveReceived(name)) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name) && listContains(i, value, ignoreCase)) return true;
            }
        }
        if (value != null && addedLive != 0) {
            for (int k = firstAdded(name, 0); k >= 0; k = firstAdded(name, k + 1)) {
                if (listContains(addedValues[k], value, ignoreCase)) return true;
            }
        }
        return false;
    }

    @Override
    public boolean isEmpty() {
        return live == 0 && addedLive == 0;
    }

    @Override
    public int size() {
        return live + addedLive;
    }

    /**
     * As Netty's: the distinct names as given (case and kind: a received "Host" and an added String
     * "Host" are two), as Strings; contains() ignores case.
     */
    @Override
    public Set<String> names() {
        return new NameSet();
    }

    /** The names as Netty's table keeps them: a set by Java equality, in first-seen order. */
    private Set<CharSequence> distinctNames() {
        if (isEmpty()) return Collections.emptySet();
        Set<CharSequence> names = new LinkedHashSet<>();
        if (live != 0) {
            for (int i = 0; i < count; i++) {
                if (isLive(i)) names.add(nameView(i));
            }
        }
        for (int k = 0; k < addedEnd; k++) {
            if (addedNames[k] != null) names.add(addedNames[k]);
        }
        return names;
    }

    /** Netty's HeadersUtils.DelegatingNameSet: a view, recomputed on every use. */
    private final class NameSet extends AbstractCollection<String> implements Set<String> {
        @Override
        public int size() {
            return distinctNames().size();
        }

        @Override
        public boolean isEmpty() {
            return RawHeaders.this.isEmpty();
        }

        @Override
        public boolean contains(Object o) {
            return RawHeaders.this.contains(o.toString());
        }

        @Override
        public Iterator<String> iterator() {
            Iterator<CharSequence> it = distinctNames().iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public String next() {
                    CharSequence next = it.next();
                    return next != null ? next.toString() : null;
                }

                @Override
                public void remove() {
                    it.remove();
                }
            };
        }
    }

    // ---- HttpHeaders: iterating

    @Deprecated
    @Override
    public Iterator<Entry<String, String>> iterator() {
        return HeadersUtils.iteratorAsString(this::iteratorCharSequence);
    }

    @Override
    public Iterator<Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return new FieldIterator();
    }

    /**
     * Values of the name newest first, as Netty's table gives them. remove() works, as there, but
     * without Netty's fault of losing other fields from lookups (see {@link ValueIterator}).
     */
    @Override
    public Iterator<CharSequence> valueCharSequenceIterator(CharSequence name) {
        return new ValueIterator(name);
    }

    @Override
    public Iterator<String> valueStringIterator(CharSequence name) {
        Iterator<CharSequence> it = valueCharSequenceIterator(name);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public String next() {
                return it.next().toString();
            }

            @Override
            public void remove() {
                it.remove();
            }
        };
    }

    /**
     * Live received fields in order, then the live added ones. Like Netty's, read-only and not
     * fail-fast: fields added while it runs are reached, fields removed before it gets to them are not.
     */
    private final class FieldIterator implements Iterator<Entry<CharSequence, CharSequence>> {
        /** The next received field to look at, then {@link #count} plus the next added slot. */
        private int next;

        @Override
        public boolean hasNext() {
            while (next < count && !isLive(next)) next++;
            if (next < count) return true;
            CharSequence[] names = addedNames;
            int k = next - count;
            while (k < addedEnd && names[k] == null) k++;
            next = count + k;
            return k < addedEnd;
        }

        @Override
        public Entry<CharSequence, CharSequence> next() {
            if (!hasNext()) throw new NoSuchElementException();
            int i = next++;
            return i < count ? new Field(i) : new AddedField(i - count);
        }

        @Override
        public void remove() {
            throw new UnsupportedOperationException("read only");
        }
    }

    /** A received field as an entry; like Netty's, setValue takes any value, unchecked. */
    private final class Field implements Entry<CharSequence, CharSequence> {
        private final int index;
        private AsciiString name;
        private String value;

        Field(int index) {
            this.index = index;
        }

        @Override
        public CharSequence getKey() {
            AsciiString n = name;
            if (n == null) name = n = nameView(index);
            return n;
        }

        @Override
        public CharSequence getValue() {
            CharSequence r = replacedValue(index);
            if (r != null) return r;
            String v = value;
            if (v == null) value = v = valueString(index);
            return v;
        }

        @Override
        public CharSequence setValue(CharSequence value) {
            Objects.requireNonNull(value, "value");
            CharSequence old = getValue();
            if (replaced == null) replaced = new CharSequence[count];
            replaced[index] = value;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> other
                    && getKey().equals(other.getKey()) && getValue().equals(other.getValue());
        }

        @Override
        public int hashCode() {
            return getKey().hashCode() ^ getValue().hashCode();
        }

        @Override
        public String toString() {
            return getKey().toString() + '=' + getValue().toString();
        }
    }

    /**
     * An added field as an entry, as Netty's own entry behaves: the key and value as given, setValue
     * taking any non-null value unchecked. It finds its field by slot, and holds the key and its last
     * value itself for when the field is gone: once removed, the field's entry keeps answering with
     * them and a setValue changes only the entry, as with an entry Netty's table has unlinked.
     */
    private final class AddedField implements Entry<CharSequence, CharSequence> {
        private final int slot;
        private final int epoch;
        private final CharSequence name;
        private CharSequence value;

        AddedField(int slot) {
            this.slot = slot;
            this.epoch = addedEpoch;
            this.name = addedNames[slot];
            this.value = addedValues[slot];
        }

        /** The field is still in the table, in the slot it had. */
        private boolean inTable() {
            return epoch == addedEpoch && addedNames[slot] != null;
        }

        @Override
        public CharSequence getKey() {
            return name;
        }

        /** Read from the table while the field is there: another entry of the same field may have set it. */
        @Override
        public CharSequence getValue() {
            if (inTable()) value = addedValues[slot];
            return value;
        }

        @Override
        public CharSequence setValue(CharSequence value) {
            Objects.requireNonNull(value, "value");
            CharSequence old = getValue();
            if (inTable()) addedValues[slot] = value;
            this.value = value;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> other
                    && name.equals(other.getKey()) && getValue().equals(other.getValue());
        }

        @Override
        public int hashCode() {
            return name.hashCode() ^ getValue().hashCode();
        }

        @Override
        public String toString() {
            return name.toString() + '=' + getValue().toString();
        }
    }

    /**
     * The added values first, from the last slot back (they are the newest), then the received ones
     * from the last back. Fields appended meanwhile are not reached, as Netty's iterator, which starts
     * at the newest entry, does not reach them either.
     *
     * <p>remove() takes out the one field returned last, and nothing else. Netty's own remove()
     * cannot be trusted with that: it unlinks the entry from the entry before it of the same name,
     * not the one before it in the hash bucket, and so loses any field of another name between the
     * two from every lookup.
     */
    private final class ValueIterator implements Iterator<CharSequence> {
        private final CharSequence name;
        /** The next added slot to look at, down to 0. */
        private int nextAdded;
        /** The next received field to look at, down to 0. */
        private int next;
        /** The field returned last: its added slot, or its received index; {@link #NONE} for none. */
        private int last = NONE;
        private boolean lastAdded;
        /** {@link #addedEpoch} when the added field returned last was read. */
        private int lastEpoch;

        ValueIterator(CharSequence name) {
            this.name = Objects.requireNonNull(name, "name");
            nextAdded = addedEnd - 1;
            next = mayHaveReceived(name) ? count - 1 : -1;
        }

        /** The next added slot with a value of the name, or -1. */
        private int seekAdded() {
            CharSequence[] names = addedNames;
            int k = Math.min(nextAdded, addedEnd - 1);
            while (k >= 0 && (names[k] == null || !sameName(name, names[k]))) k--;
            nextAdded = k;
            return k;
        }

        @Override
        public boolean hasNext() {
            if (nextAdded >= 0 && seekAdded() >= 0) return true;
            while (next >= 0 && !matches(next, name)) next--;
            return next >= 0;
        }

        @Override
        public CharSequence next() {
            if (nextAdded >= 0 && seekAdded() >= 0) {
                last = nextAdded--;
                lastAdded = true;
                lastEpoch = addedEpoch;
                return addedValues[last];
            }
            if (!hasNext()) throw new NoSuchElementException();
            last = next--;
            lastAdded = false;
            return valueSeq(last);
        }

        @Override
        public void remove() {
            if (last == NONE) throw new IllegalStateException();
            if (!lastAdded) {
                kill(last);
            } else if (lastEpoch != addedEpoch) {
                // The slots were renumbered since: which one is that field's is no longer known.
                throw new ConcurrentModificationException("the added fields were renumbered meanwhile");
            } else if (addedNames[last] != null) {
                // A field removed meanwhile by other means is already gone.
                removeAddedSlot(last);
            }
            last = NONE;
        }
    }

    // ---- HttpHeaders: changing
    //
    // Each call takes Netty's table's steps in its order (DefaultHttpHeaders passing to DefaultHeaders):
    // where that table converts before it checks, or checks the name before it removes, so does this,
    // so that a refused call has changed what it would have changed there, and nothing more.

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    /** DefaultHeaders.addObject: converted, then added as a value. */
    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        addChecked(name, fromObject(name, value));
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        return add((CharSequence) name, values);
    }

    /** DefaultHeaders.addObject for each value in turn: a refused one stops the rest, after those before it. */
    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        for (Object value : values) {
            addChecked(name, fromObject(name, value));
        }
        return this;
    }

    @Override
    public HttpHeaders add(HttpHeaders headers) {
        if (headers == this) {
            throw new IllegalArgumentException("can't add to itself.");
        }
        if (headers instanceof DefaultHttpHeaders table) {
            addAll(table);
            return this;
        }
        if (headers instanceof RawHeaders raw) {
            // As Netty's table copies its own kind: the names and values as they are, unchecked (a
            // value given by setValue never was). Received names and values need no check.
            if (raw.live != 0) {
                for (int i = 0; i < raw.count; i++) {
                    if (raw.isLive(i)) append(raw.nameView(i), raw.valueSeq(i));
                }
            }
            for (int k = 0; k < raw.addedEnd; k++) {
                if (raw.addedNames[k] != null) append(raw.addedNames[k], raw.addedValues[k]);
            }
            return this;
        }
        return super.add(headers);
    }

    /**
     * Netty's table takes the fields of another of its kind as they are when that one checks names
     * with the same validator, and checks each as an add otherwise (stopping at the first refused),
     * and which of the two it would do cannot be seen from outside. It makes a difference only when
     * some field fails the checks, so: when every one passes, they are appended as they are; when
     * one does not, one of Netty's tables takes them and decides, and what it took is appended, any
     * refusal then thrown on.
     */
    private void addAll(DefaultHttpHeaders from) {
        Iterator<Entry<CharSequence, CharSequence>> it = from.unwrap().iterator();
        if (!it.hasNext()) return;
        if (allPassChecks(it)) {
            for (Entry<CharSequence, CharSequence> e : from.unwrap()) append(e.getKey(), e.getValue());
            return;
        }
        HttpHeaders taken = FACTORY.newHeaders();
        try {
            taken.add(from);
        } finally {
            for (Iterator<Entry<CharSequence, CharSequence>> t = taken.iteratorCharSequence(); t.hasNext(); ) {
                Entry<CharSequence, CharSequence> e = t.next();
                append(e.getKey(), e.getValue());
            }
        }
    }

    /** Every field would pass Netty's checks for an add; nothing is thrown either way. */
    private static boolean allPassChecks(Iterator<Entry<CharSequence, CharSequence>> it) {
        while (it.hasNext()) {
            Entry<CharSequence, CharSequence> e = it.next();
            if (e.getValue() == null) return false;
            try {
                NAME_VALIDATOR.validateName(e.getKey());
                VALUE_VALIDATOR.validate(e.getValue());
            } catch (RuntimeException refused) {
                return false;
            }
        }
        return true;
    }

    /** DefaultHeaders.addInt: the number's decimal String, added as a value. */
    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        addChecked(name, CONVERTER.convertInt(value));
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        addChecked(name, CONVERTER.convertShort(value));
        return this;
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    /** DefaultHeaders.setObject: converted (a null from toString refused), then set as a value. */
    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        setChecked(name, Objects.requireNonNull(fromObject(name, value), "convertedValue"));
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    /**
     * DefaultHeaders.setObject for an Iterable: the name checked, every field of it removed, then
     * the values added in turn until a null one; a refused value stops the set halfway, the fields
     * of the name gone and those before it in.
     */
    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        NAME_VALIDATOR.validateName(name);
        removeReceived(name);
        removeAdded(name);
        for (Object value : values) {
            if (value == null) break;
            CharSequence converted = fromObject(name, value);
            validateValue(name, converted);
            append(name, converted);
        }
        return this;
    }

    @Override
    public HttpHeaders set(HttpHeaders headers) {
        if (headers == this) return this;
        if (headers instanceof DefaultHttpHeaders || headers instanceof RawHeaders) {
            clear();
            return add(headers);
        }
        return super.set(headers);
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        setChecked(name, CONVERTER.convertInt(value));
        return this;
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        setChecked(name, CONVERTER.convertShort(value));
        return this;
    }

    @Override
    public HttpHeaders remove(String name) {
        return remove((CharSequence) name);
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        Objects.requireNonNull(name, "name");
        removeReceived(name);
        removeAdded(name);
        return this;
    }

    /** Keeps the added arrays for what comes next (a set of a whole table clears, then adds). */
    @Override
    public HttpHeaders clear() {
        killAll();
        if (addedEnd != 0) {
            Arrays.fill(addedNames, 0, addedEnd, null);
            Arrays.fill(addedValues, 0, addedEnd, null);
            addedEnd = 0;
            addedLive = 0;
            addedNameBits = 0;
            addedEpoch++;
        }
        return this;
    }

    /**
     * An independent table of the same fields; the bytes, never changed, are shared, and so are the
     * added names and values themselves, as Netty's copy shares them.
     */
    @Override
    public RawHeaders copy() {
        RawHeaders c = new RawHeaders(bytes, fields, count);
        c.dead = dead;
        c.deadMore = deadMore == null ? null : deadMore.clone();
        c.live = live;
        c.replaced = replaced == null ? null : replaced.clone();
        if (addedLive != 0) {
            c.addedNames = new CharSequence[addedNames.length];
            c.addedValues = new CharSequence[addedNames.length];
            for (int k = 0; k < addedEnd; k++) {
                if (addedNames[k] != null) {
                    c.addedNames[c.addedEnd] = addedNames[k];
                    c.addedValues[c.addedEnd] = addedValues[k];
                    c.addedEnd++;
                }
            }
            c.addedLive = addedLive;
            c.addedNameBits = addedNameBits;
        }
        return c;
    }

    /** As DefaultHttpHeaders among its kind: the same values, by name, in the same order. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawHeaders other) || other.size() != size()) return false;
        if (other == this) return true;
        for (CharSequence name : distinctNames()) {
            List<String> theirs = other.getAll(name);
            List<String> ours = getAll(name);
            if (theirs.size() != ours.size()) return false;
            for (int k = 0; k < ours.size(); k++) {
                if (!AsciiString.contentEquals(theirs.get(k), ours.get(k))) return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int result = HASH_CODE_SEED;
        for (CharSequence name : distinctNames()) {
            result = 31 * result + AsciiString.hashCode(name);
            for (String v : getAll(name)) {
                result = 31 * result + AsciiString.hashCode(v);
            }
        }
        return result;
    }
}
