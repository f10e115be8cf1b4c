package dev.aigw.testkit; final class Placeholder {}
