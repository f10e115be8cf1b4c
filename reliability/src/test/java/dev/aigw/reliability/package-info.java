/** Reliability and security tests across aigw's two paths: faults, secret hygiene, soak. */
package dev.aigw.reliability;
