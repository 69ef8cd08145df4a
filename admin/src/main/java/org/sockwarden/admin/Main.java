package org.sockwarden.admin;
public final class Main { public static void main(String[] a) {} }
