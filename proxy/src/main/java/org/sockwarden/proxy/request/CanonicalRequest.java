package org.sockwarden.proxy.request;

/**
 * A request target in the form the engine routes: {@code path} is percent-decoded once and has
 * no {@code /vX.Y} prefix, {@code apiVersion} is that prefix's version (or null).
 */
public record CanonicalRequest(String method, String path, String apiVersion) {}
