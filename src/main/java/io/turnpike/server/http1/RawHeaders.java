package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.CharSequenceValueConverter;
import io.netty.handler.codec.HeadersUtils;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import java.nio.charset.StandardCharsets;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
 * <p>Fields added or set later go into a validating {@link DefaultHttpHeaders}, so that Netty checks
 * and converts them exactly as it always does. A set or removal marks the received fields of that
 * name dead. As Netty's table appends on both add and set, iteration is the live received fields in
 * order, then the added ones in theirs, just as in a {@link DefaultHttpHeaders} into which the same
 * fields had been added in order; every method of {@link HttpHeaders} answers as that table would,
 * but that {@link #copy} keeps validating values, where Netty's copy stops, and that removing
 * through a value iterator does not lose other fields from lookups, as Netty's can.
 *
 * <p>Not thread-safe, as Netty's table is not.
 */
public final class RawHeaders extends HttpHeaders {
    private static final DefaultHttpHeadersFactory FACTORY = DefaultHttpHeadersFactory.headersFactory();
    /** What Netty's table converts values with (its own converter changes only how Objects are made). */
    private static final CharSequenceValueConverter CONVERTER = CharSequenceValueConverter.INSTANCE;
    private static final int COLON_SP = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';
    /** Netty's DefaultHeaders seeds its hash code with this; equal tables must hash alike. */
    private static final int HASH_CODE_SEED = 0xc2b2ae35;
    /** A value iterator's state before next() and after remove(). */
    private static final int NONE = -2;
    /** A value iterator's last value came from the added fields. */
    private static final int ADDED = -1;

    private final byte[] bytes;
    private final int[] fields;
    private final int count;
    /** Received fields removed, one bit each: the first 64 here, the rest in {@link #deadMore}. */
    private long dead;
    private long[] deadMore;
    private int live;
    /** Values given to received fields through {@link Entry#setValue}, by field; mostly never. */
    private CharSequence[] replaced;
    private DefaultHttpHeaders added;

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
        if (live == 0) return -1;
        for (int i = 0; i < count; i++) {
            if (matches(i, name)) return i;
        }
        return -1;
    }

    private boolean removeReceived(CharSequence name) {
        if (live == 0) return false;
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

    private DefaultHttpHeaders added() {
        DefaultHttpHeaders a = added;
        if (a == null) added = a = (DefaultHttpHeaders) FACTORY.newHeaders();
        return a;
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
        if (added != null) {
            for (Iterator<Entry<CharSequence, CharSequence>> it = added.iteratorCharSequence(); it.hasNext(); ) {
                Entry<CharSequence, CharSequence> e = it.next();
                writeField(buf, e.getKey(), e.getValue());
            }
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

    private static void writeAscii(ByteBuf buf, int offset, CharSequence value) {
        if (value instanceof AsciiString a) {
            ByteBufUtil.copy(a, 0, buf, offset, value.length());
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

    private boolean removeAddedIf(Predicate<? super CharSequence> nameTest) {
        DefaultHttpHeaders a = added;
        if (a == null || a.isEmpty()) return false;
        int n = a.size();
        CharSequence[] keys = new CharSequence[n];
        boolean[] drop = new boolean[n];
        boolean any = false;
        int k = 0;
        for (Iterator<Entry<CharSequence, CharSequence>> it = a.iteratorCharSequence(); it.hasNext(); k++) {
            keys[k] = it.next().getKey();
            if (nameTest.test(keys[k])) {
                drop[k] = true;
                any = true;
            }
        }
        if (!any) return false;
        // Netty's table removes a whole name at a time (ignoring case), which is enough unless the
        // test took "X-A" and left "x-a", say.
        for (int j = 0; j < n; j++) {
            if (!drop[j]) continue;
            for (int q = 0; q < n; q++) {
                if (!drop[q] && AsciiString.contentEqualsIgnoreCase(keys[q], keys[j])) {
                    rebuildAdded(drop);
                    return true;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            if (drop[j]) a.remove(keys[j]);
        }
        return true;
    }

    /**
     * Removes the added field that is the {@code rank}-th newest (from 0) of its name. Netty's own
     * value iterator cannot be trusted with this: its remove() unlinks the entry from the entry
     * before it of the same name, not the one before it in the hash bucket, and so loses any field
     * of another name between the two from every lookup.
     */
    private void removeAdded(CharSequence name, int rank) {
        DefaultHttpHeaders a = added;
        int n = a.size();
        boolean[] drop = new boolean[n];
        int[] same = new int[n];
        int m = 0;
        int k = 0;
        for (Iterator<Entry<CharSequence, CharSequence>> it = a.iteratorCharSequence(); it.hasNext(); k++) {
            if (AsciiString.contentEqualsIgnoreCase(it.next().getKey(), name)) same[m++] = k;
        }
        if (rank >= m) throw new IllegalStateException("the field was removed meanwhile");
        drop[same[m - 1 - rank]] = true;
        rebuildAdded(drop);
    }

    /**
     * Replaces the added table by one without the fields {@code drop} marks, all else as it was.
     * The fields go through a table that checks names only (a value given by setValue was never
     * checked, and must not fail now), and from there into a checking one: Netty copies between
     * tables of the same name check without checking again.
     */
    private void rebuildAdded(boolean[] drop) {
        HttpHeaders keep = FACTORY.withValueValidation(false).newHeaders();
        int k = 0;
        for (Iterator<Entry<CharSequence, CharSequence>> it = added.iteratorCharSequence(); it.hasNext(); k++) {
            Entry<CharSequence, CharSequence> e = it.next();
            if (!drop[k]) keep.add(e.getKey(), e.getValue());
        }
        DefaultHttpHeaders a = (DefaultHttpHeaders) FACTORY.newHeaders();
        a.add(keep);
        added = a;
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
        return added == null ? null : added.get(name);
    }

    @Override
    public Integer getInt(CharSequence name) {
        int i = first(name);
        if (i < 0) return added == null ? null : added.getInt(name);
        int n = plainNumber(i, 9);
        if (n >= 0) return n;
        try {
            return CONVERTER.convertToInt(valueSeq(i));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v != null ? v : defaultValue;
    }

    @Override
    public Short getShort(CharSequence name) {
        int i = first(name);
        if (i < 0) return added == null ? null : added.getShort(name);
        int n = plainNumber(i, 4);
        if (n >= 0) return (short) n;
        try {
            return CONVERTER.convertToShort(valueSeq(i));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v != null ? v : defaultValue;
    }

    /** As Netty's: null when absent, and (sic) a ParseException thrown through when the value is no date. */
    @Override
    public Long getTimeMillis(CharSequence name) {
        int i = first(name);
        if (i < 0) return added == null ? null : added.getTimeMillis(name);
        try {
            return CONVERTER.convertToTimeMillis(valueSeq(i));
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
        if (live != 0) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name)) {
                    if (values == null) values = new ArrayList<>(4);
                    values.add(valueString(i));
                }
            }
        }
        if (added != null) {
            List<String> more = added.getAll(name);
            if (values == null) return more;
            values.addAll(more);
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
        return first(name) >= 0 || added != null && added.contains(name);
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return contains((CharSequence) name, (CharSequence) value, ignoreCase);
    }

    /** A field of that name whose whole value is {@code value} (Netty's table compares ASCII case only). */
    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        Objects.requireNonNull(name, "name");
        if (value != null && live != 0) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name) && valueEquals(i, value, ignoreCase)) return true;
            }
        }
        return added != null && added.contains(name, value, ignoreCase);
    }

    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        Objects.requireNonNull(name, "name");
        if (value != null && live != 0) {
            for (int i = 0; i < count; i++) {
                if (matches(i, name) && listContains(i, value, ignoreCase)) return true;
            }
        }
        return added != null && added.containsValue(name, value, ignoreCase);
    }

    @Override
    public boolean isEmpty() {
        return live == 0 && (added == null || added.isEmpty());
    }

    @Override
    public int size() {
        return live + (added == null ? 0 : added.size());
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
        if (added != null) names.addAll(added.unwrap().names());
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
     * without Netty's fault of losing other fields from lookups (see {@link #removeAdded}).
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

    /** Live received fields in order, then the added ones. Like Netty's, read-only and not fail-fast. */
    private final class FieldIterator implements Iterator<Entry<CharSequence, CharSequence>> {
        private int next;
        private Iterator<Entry<CharSequence, CharSequence>> rest;

        @Override
        public boolean hasNext() {
            if (rest == null) {
                while (next < count && !isLive(next)) next++;
                if (next < count) return true;
                if (added == null) return false;
                rest = added.iteratorCharSequence();
            }
            return rest.hasNext();
        }

        @Override
        public Entry<CharSequence, CharSequence> next() {
            if (!hasNext()) throw new NoSuchElementException();
            return rest == null ? new Field(next++) : rest.next();
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
     * The added values first (they are the newest), then the received ones from the last back. The
     * added ones are read through Netty's value iterator over the table as it was when this began; a
     * removal builds a new added table and leaves that one as it was, so reading goes on unchanged.
     */
    private final class ValueIterator implements Iterator<CharSequence> {
        private final CharSequence name;
        private final Iterator<CharSequence> addedValues;
        private int addedReturned;
        private int addedRemoved;
        private int next;
        private int last = NONE;

        ValueIterator(CharSequence name) {
            this.name = Objects.requireNonNull(name, "name");
            addedValues = added == null || added.isEmpty() ? null : added.valueCharSequenceIterator(name);
            next = count - 1;
        }

        @Override
        public boolean hasNext() {
            if (addedValues != null && addedValues.hasNext()) return true;
            while (next >= 0 && !matches(next, name)) next--;
            return next >= 0;
        }

        @Override
        public CharSequence next() {
            if (addedValues != null && addedValues.hasNext()) {
                CharSequence v = addedValues.next();
                addedReturned++;
                last = ADDED;
                return v;
            }
            if (!hasNext()) throw new NoSuchElementException();
            last = next--;
            return valueSeq(last);
        }

        @Override
        public void remove() {
            if (last == NONE) throw new IllegalStateException();
            if (last == ADDED) {
                // Those removed before were all newer than this one.
                removeAdded(name, addedReturned - 1 - addedRemoved);
                addedRemoved++;
            } else {
                kill(last);
            }
            last = NONE;
        }
    }

    // ---- HttpHeaders: changing

    @Override
    public HttpHeaders add(String name, Object value) {
        added().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        added().add(name, value);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        added().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        added().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders add(HttpHeaders headers) {
        if (headers == this) {
            throw new IllegalArgumentException("can't add to itself.");
        }
        if (headers instanceof DefaultHttpHeaders) {
            added().add(headers);
            return this;
        }
        if (headers instanceof RawHeaders raw) {
            // As Netty's table copies its own kind: the names and values as they are, unchecked (a
            // value given by setValue never was). Received names and values need no check.
            if (raw.live != 0) {
                HttpHeaders into = raw.replaced == null ? added() : FACTORY.withValueValidation(false).newHeaders();
                for (int i = 0; i < raw.count; i++) {
                    if (raw.isLive(i)) into.add(raw.nameView(i), raw.valueSeq(i));
                }
                if (into != added) added().add(into);
            }
            if (raw.added != null && !raw.added.isEmpty()) added().add(raw.added);
            return this;
        }
        return super.add(headers);
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        added().addInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        added().addShort(name, value);
        return this;
    }

    // A set goes to the added table first: it checks and converts before it changes anything, so a
    // refused value leaves the received fields as they were.

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        added().set(name, value);
        removeReceived(name);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    /** As Netty's: the name is removed once it passes, and a bad value later stops the set halfway. */
    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        FACTORY.getNameValidator().validateName(name);
        removeReceived(name);
        added().set(name, values);
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
        added().setInt(name, value);
        removeReceived(name);
        return this;
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        added().setShort(name, value);
        removeReceived(name);
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
        if (added != null) added.remove(name);
        return this;
    }

    @Override
    public HttpHeaders clear() {
        killAll();
        if (added != null) added.clear();
        return this;
    }

    /** An independent table of the same fields; the bytes, never changed, are shared. */
    @Override
    public RawHeaders copy() {
        RawHeaders c = new RawHeaders(bytes, fields, count);
        c.dead = dead;
        c.deadMore = deadMore == null ? null : deadMore.clone();
        c.live = live;
        c.replaced = replaced == null ? null : replaced.clone();
        if (added != null && !added.isEmpty()) c.added().add(added);
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
