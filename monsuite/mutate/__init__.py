"""Mutation testing of alert rules: would the tests notice a broken rule?"""
