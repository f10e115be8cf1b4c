package dev.aigw; final class Placeholder {}
