package io.turnpike.proxy;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trailer table of a message's last part, made only when a trailer arrives. Netty's decoder
 * gives every body it frames by length a trailer table of its own (a hash table of 16 slots and
 * its head entry, ~190 bytes), and nearly every message has none: this one stays a single small
 * object until the first write, then holds Netty's own validating trailer table (which refuses
 * {@code Content-Length}, {@code Transfer-Encoding} and {@code Trailer} as trailers, as before).
 */
final class LazyTrailers extends HttpHeaders {
    /** For {@code HttpDecoderConfig.setTrailersFactory}; set it after {@code setValidateHeaders}, which replaces it. */
    static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
        @Override public HttpHeaders newHeaders() { return new LazyTrailers(); }
        @Override public HttpHeaders newEmptyHeaders() { return new LazyTrailers(); }
    };

    private HttpHeaders table;

    private HttpHeaders table() {
        HttpHeaders t = table;
        if (t == null) table = t = DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders();
        return t;
    }

    @Override public String get(String name) { return table == null ? null : table.get(name); }
    @Override public String get(CharSequence name) { return table == null ? null : table.get(name); }
    @Override public Integer getInt(CharSequence name) { return table == null ? null : table.getInt(name); }
    @Override public int getInt(CharSequence name, int dflt) { return table == null ? dflt : table.getInt(name, dflt); }
    @Override public Short getShort(CharSequence name) { return table == null ? null : table.getShort(name); }
    @Override public short getShort(CharSequence name, short dflt) { return table == null ? dflt : table.getShort(name, dflt); }
    @Override public Long getTimeMillis(CharSequence name) { return table == null ? null : table.getTimeMillis(name); }
    @Override public long getTimeMillis(CharSequence name, long dflt) { return table == null ? dflt : table.getTimeMillis(name, dflt); }
    @Override public List<String> getAll(String name) { return table == null ? Collections.emptyList() : table.getAll(name); }
    @Override public List<String> getAll(CharSequence name) { return table == null ? Collections.emptyList() : table.getAll(name); }
    @Override public List<Map.Entry<String, String>> entries() { return table == null ? Collections.emptyList() : table.entries(); }
    @Override public boolean contains(String name) { return table != null && table.contains(name); }
    @Override public boolean contains(CharSequence name) { return table != null && table.contains(name); }
    @Override public boolean contains(String name, String value, boolean ignoreCase) { return table != null && table.contains(name, value, ignoreCase); }
    @Override public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) { return table != null && table.contains(name, value, ignoreCase); }
    @Override public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) { return table != null && table.containsValue(name, value, ignoreCase); }
    @Override public Iterator<Map.Entry<String, String>> iterator() { return table == null ? Collections.emptyIterator() : table.iterator(); }
    @Override public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() { return table == null ? Collections.emptyIterator() : table.iteratorCharSequence(); }
    @Override public Iterator<String> valueStringIterator(CharSequence name) { return table == null ? Collections.emptyIterator() : table.valueStringIterator(name); }
    @Override public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) { return table == null ? Collections.emptyIterator() : table.valueCharSequenceIterator(name); }
    @Override public boolean isEmpty() { return table == null || table.isEmpty(); }
    @Override public int size() { return table == null ? 0 : table.size(); }
    @Override public Set<String> names() { return table == null ? Collections.emptySet() : table.names(); }
    @Override public HttpHeaders add(String name, Object value) { table().add(name, value); return this; }
    @Override public HttpHeaders add(CharSequence name, Object value) { table().add(name, value); return this; }
    @Override public HttpHeaders add(String name, Iterable<?> values) { table().add(name, values); return this; }
    @Override public HttpHeaders add(CharSequence name, Iterable<?> values) { table().add(name, values); return this; }
    @Override public HttpHeaders add(HttpHeaders headers) { table().add(headers); return this; }
    @Override public HttpHeaders addInt(CharSequence name, int value) { table().addInt(name, value); return this; }
    @Override public HttpHeaders addShort(CharSequence name, short value) { table().addShort(name, value); return this; }
    @Override public HttpHeaders set(String name, Object value) { table().set(name, value); return this; }
    @Override public HttpHeaders set(CharSequence name, Object value) { table().set(name, value); return this; }
    @Override public HttpHeaders set(String name, Iterable<?> values) { table().set(name, values); return this; }
    @Override public HttpHeaders set(CharSequence name, Iterable<?> values) { table().set(name, values); return this; }
    @Override public HttpHeaders set(HttpHeaders headers) { table().set(headers); return this; }
    @Override public HttpHeaders setAll(HttpHeaders headers) { table().setAll(headers); return this; }
    @Override public HttpHeaders setInt(CharSequence name, int value) { table().setInt(name, value); return this; }
    @Override public HttpHeaders setShort(CharSequence name, short value) { table().setShort(name, value); return this; }
    @Override public HttpHeaders remove(String name) { if (table != null) table.remove(name); return this; }
    @Override public HttpHeaders remove(CharSequence name) { if (table != null) table.remove(name); return this; }
    @Override public HttpHeaders clear() { if (table != null) table.clear(); return this; }
    @Override public HttpHeaders copy() { return table == null ? new LazyTrailers() : table.copy(); }
}
